CREATE TABLE `force_reset_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`client_id` text NOT NULL,
	`user_ids` text,
	`status` text NOT NULL,
	`total` integer NOT NULL,
	`processed` integer DEFAULT 0 NOT NULL,
	`cursor` text,
	`last_run_at` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `force_reset_jobs_status_idx` ON `force_reset_jobs` (`status`,`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `users_tenant_reset_idx` ON `users` (`tenant_id`,`must_reset_password`,`id`);