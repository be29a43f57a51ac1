-- A fresh database gets one default tenant and client, so a single-product deployment never has
-- to think about tenancy (DEFAULT_CLIENT_ID defaults to "default").
INSERT OR IGNORE INTO `tenants` (`id`, `name`, `created_at`) VALUES ('default', 'Default tenant', 0);
--> statement-breakpoint
INSERT OR IGNORE INTO `clients` (`id`, `tenant_id`, `name`, `branding`, `issue_login_token`, `created_at`) VALUES ('default', 'default', 'Default client', '{"productName":"resetkit"}', 1, 0);
