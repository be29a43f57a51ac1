CREATE TABLE `suppressions` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`address_hash` text NOT NULL,
	`masked_address` text NOT NULL,
	`reason` text NOT NULL,
	`provider` text NOT NULL,
	`message_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `suppressions_address_uq` ON `suppressions` (`address_hash`,`tenant_id`);--> statement-breakpoint
CREATE INDEX `suppressions_tenant_idx` ON `suppressions` (`tenant_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `outbox` ADD `to_hash` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `provider_event` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `provider_event_at` integer;--> statement-breakpoint
CREATE INDEX `outbox_provider_message_idx` ON `outbox` (`provider_message_id`);