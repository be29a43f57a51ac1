ALTER TABLE `users` ADD `locked_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `must_reset_password` integer DEFAULT false NOT NULL;