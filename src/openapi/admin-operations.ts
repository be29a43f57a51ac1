import type { ErrorCode } from "../domain/errors";
import { CreateClientBody, UpdateClientBody } from "../routes/v1/clients";
import { EventsQuery } from "../routes/v1/events";
import { PolicyCheckBody } from "../routes/v1/password-policy";
import { CreateApiKeyBody, CreateTenantBody } from "../routes/v1/tenants";
import { ImportUsersBody, UpdateUserBody } from "../routes/v1/users";
import type { Operation } from "./operations";
import * as R from "./responses";

// Tenancy, credentials, clients, users and the audit trail (issue 5's admin surface).

const BODY: ErrorCode[] = ["VALIDATION_FAILED", "MALFORMED_JSON", "UNSUPPORTED_MEDIA_TYPE", "PAYLOAD_TOO_LARGE"];
const admin = (op: Omit<Operation, "tag" | "auth">): Operation => ({ tag: "Admin", auth: "admin", ...op, errors: ["UNAUTHORIZED", ...op.errors] });

/** Admin routes beyond users' basics, plus the public policy check. */
export const adminOperations: Operation[] = [
  admin({ method: "post", path: "/v1/tenants", summary: "Create a tenant and its first API key (root key only)", body: CreateTenantBody, success: { status: 201, description: "Created; the key is shown once", schema: R.TenantCreated }, errors: [...BODY, "FORBIDDEN", "TENANT_EXISTS"] }),
  admin({ method: "post", path: "/v1/api-keys", summary: "Create a tenant API key (shown once)", body: CreateApiKeyBody, success: { status: 201, description: "Created", schema: R.ApiKeyCreated }, errors: [...BODY, "FORBIDDEN", "TENANT_NOT_FOUND"] }),
  admin({ method: "get", path: "/v1/api-keys", summary: "List API keys (never the keys themselves)", success: { status: 200, description: "Keys", schema: R.ApiKeyList }, errors: [] }),
  admin({ method: "delete", path: "/v1/api-keys/{keyId}", summary: "Revoke an API key at once", success: { status: 204, description: "Revoked" }, errors: ["API_KEY_NOT_FOUND"] }),
  admin({ method: "post", path: "/v1/clients", summary: "Create a client (secrets shown once)", body: CreateClientBody, success: { status: 201, description: "Created", schema: R.ClientWithSecrets }, errors: [...BODY, "FORBIDDEN", "CLIENT_EXISTS", "TENANT_NOT_FOUND"] }),
  admin({ method: "get", path: "/v1/clients/{clientId}", summary: "Read a client", success: { status: 200, description: "The client", schema: R.Client }, errors: ["CLIENT_NOT_FOUND"] }),
  admin({ method: "patch", path: "/v1/clients/{clientId}", summary: "Update a client", body: UpdateClientBody, success: { status: 200, description: "Updated", schema: R.ClientWithSecrets }, errors: [...BODY, "CLIENT_NOT_FOUND", "CLIENT_EXISTS"] }),
  admin({
    method: "delete", path: "/v1/clients/{clientId}", summary: "Delete a client",
    description: "Invalidates its outstanding resets and drops its queued reset emails and webhooks; users, sessions and audit events stay. The default client cannot be deleted.",
    success: { status: 204, description: "Deleted" }, errors: ["CLIENT_NOT_FOUND", "FORBIDDEN"],
  }),
  admin({ method: "post", path: "/v1/clients/{clientId}/secret", summary: "Rotate the client secret (shown once)", success: { status: 200, description: "New secret", schema: R.ClientSecret }, errors: ["CLIENT_NOT_FOUND"] }),
  admin({ method: "post", path: "/v1/clients/{clientId}/webhook-secret", summary: "Rotate the webhook signing secret (shown once)", success: { status: 200, description: "New secret", schema: R.WebhookSecret }, errors: ["CLIENT_NOT_FOUND"] }),
  admin({
    method: "post", path: "/v1/users/import", summary: "Import up to 1,000 users with existing PBKDF2 hashes",
    description: "Hashes are upgraded to resetkit's scheme at each user's next sign-in. Body up to 1 MiB.",
    body: ImportUsersBody, success: { status: 200, description: "Imported and skipped users", schema: R.ImportResult }, errors: [...BODY, "FORBIDDEN", "TENANT_NOT_FOUND"],
  }),
  admin({ method: "patch", path: "/v1/users/{userId}", summary: "Update a user (email, name, locale, disabled)", body: UpdateUserBody, success: { status: 200, description: "Updated", schema: R.User }, errors: [...BODY, "USER_NOT_FOUND", "USER_EXISTS"] }),
  admin({ method: "delete", path: "/v1/users/{userId}", summary: "Delete a user (revokes sessions, kills resets)", success: { status: 204, description: "Deleted" }, errors: ["USER_NOT_FOUND"] }),
  admin({ method: "get", path: "/v1/users/{userId}/events", summary: "A user's audit trail, newest first", query: EventsQuery, success: { status: 200, description: "A page of events", schema: R.EventPage }, errors: ["VALIDATION_FAILED", "USER_NOT_FOUND"] }),
  admin({ method: "get", path: "/v1/events", summary: "The tenant's audit trail (type, since, cursor)", query: EventsQuery, success: { status: 200, description: "A page of events", schema: R.EventPage }, errors: ["VALIDATION_FAILED"] }),
  {
    method: "post", path: "/v1/password-policy/check", tag: "Password resets", auth: "none",
    summary: "Check a password against a client's policy (live feedback)",
    description: "The same per-rule result the complete step gives, except reuse (the account is never looked up).",
    body: PolicyCheckBody, success: { status: 200, description: "Verdict", schema: R.PolicyCheck },
    errors: [...BODY, "UNKNOWN_CLIENT", "RATE_LIMITED"],
  },
];
