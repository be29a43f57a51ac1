CREATE TABLE `budgets` (
	`key` text PRIMARY KEY NOT NULL,
	`count` integer NOT NULL,
	`window_ends_at` integer NOT NULL,
	`nonce` text
);
--> statement-breakpoint
CREATE INDEX `budgets_window_idx` ON `budgets` (`window_ends_at`);--> statement-breakpoint
ALTER TABLE `clients` ADD `code_budget` integer DEFAULT 10 NOT NULL;