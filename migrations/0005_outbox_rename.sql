ALTER TABLE `email_outbox` RENAME TO `outbox`;--> statement-breakpoint
DROP INDEX IF EXISTS `email_outbox_due_idx`;--> statement-breakpoint
DROP INDEX IF EXISTS `email_outbox_tenant_idx`;--> statement-breakpoint
DROP INDEX IF EXISTS `email_outbox_status_created_idx`;--> statement-breakpoint
CREATE INDEX `outbox_due_idx` ON `outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `outbox_tenant_idx` ON `outbox` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `outbox_status_created_idx` ON `outbox` (`status`,`created_at`);
