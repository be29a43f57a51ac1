ALTER TABLE `clients` ADD `step_up_url` text;--> statement-breakpoint
ALTER TABLE `users` ADD `mfa` integer DEFAULT false NOT NULL;