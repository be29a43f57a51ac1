import * as z from "zod/mini";
import { admin, BODY_ERRORS, type Operation } from "../../openapi/operations";
import * as R from "../../openapi/responses";
import { EventsQuery } from "./events";
import { AdminResetQuery, CreateUserBody, ForceResetBody, ImportUsersBody, UpdateUserBody } from "./users";

const ForceResetStarted = z.object({
  jobId: z.string(),
  queued: z.int().register(z.globalRegistry, { description: "Flagged, enabled users: the emails the job will send" }),
});
const ForceResetJob = z.object({
  jobId: z.string(),
  status: z.enum(["running", "done"]),
  total: z.int(),
  processed: z.int().register(z.globalRegistry, {
    description: "Resets started; users who reset or were disabled before their turn are skipped",
  }),
  createdAt: z.iso.datetime(),
  finishedAt: z.nullable(z.iso.datetime()),
});

/** OpenAPI docs of /v1/users. */
export const operations: Operation[] = [
  admin({
    method: "post",
    path: "/v1/users",
    scope: "users:write",
    summary: "Create a user (with or without a password)",
    body: CreateUserBody,
    success: { status: 201, description: "Created", schema: R.User },
    errors: [
      ...BODY_ERRORS,
      "FORBIDDEN",
      "USER_EXISTS",
      "QUOTA_EXCEEDED",
      "PASSWORD_POLICY_VIOLATION",
      "UNKNOWN_CLIENT",
      "TENANT_NOT_FOUND",
    ],
  }),
  admin({
    method: "get",
    path: "/v1/users/{userId}",
    scope: "users:read",
    summary: "Read a user",
    success: { status: 200, description: "The user", schema: R.User },
    errors: ["USER_NOT_FOUND"],
  }),
  admin({
    method: "post",
    path: "/v1/users/{userId}/password-reset",
    scope: "resets:write",
    clientCredentials: true,
    alsoIn: ["Dialect: Nexus (seed 004)"],
    summary: "Send a password-reset email to a user (admin-initiated)",
    description:
      "Seed 004 (Nexus): 204 with an empty body; RFC 7807 problem details for 400 and 404. Basic client credentials may call it with their own clientId only.",
    query: AdminResetQuery,
    success: { status: 204, description: "Email queued" },
    errors: ["VALIDATION_FAILED", "UNKNOWN_CLIENT", "USER_NOT_FOUND"],
  }),
  admin({
    method: "post",
    path: "/v1/users/import",
    scope: "users:write",
    summary: "Import up to 1,000 users with existing PBKDF2 hashes",
    description:
      "Hashes are upgraded to resetkit's scheme at each user's next sign-in. Body up to 1 MiB. A hash whose verification would cost more CPU than the budget (SHA-256 > 600,000 or SHA-512 > 464,444 iterations per block) is refused: `VALIDATION_FAILED` with `errors[].code` `HASH_ITERATIONS_TOO_HIGH`.",
    body: ImportUsersBody,
    success: { status: 200, description: "Imported and skipped users", schema: R.ImportResult },
    errors: [...BODY_ERRORS, "FORBIDDEN", "TENANT_NOT_FOUND", "QUOTA_EXCEEDED"],
  }),
  admin({
    method: "patch",
    path: "/v1/users/{userId}",
    scope: "users:write",
    summary: "Update a user (email, name, locale, disabled, mustResetPassword)",
    description:
      "`mustResetPassword: true` forces a reset: every session and unused login token ends at once, and password sign-in answers `PASSWORD_RESET_REQUIRED` (403; OAuth `invalid_grant`) until a reset completes, which clears the flag. It sends no email (POST /v1/users/{userId}/password-reset does).",
    body: UpdateUserBody,
    success: { status: 200, description: "Updated", schema: R.User },
    errors: [...BODY_ERRORS, "USER_NOT_FOUND", "USER_EXISTS"],
  }),
  admin({
    method: "delete",
    path: "/v1/users/{userId}",
    scope: "users:write",
    summary: "Delete a user (revokes sessions, kills resets)",
    success: { status: 204, description: "Deleted" },
    errors: ["USER_NOT_FOUND"],
  }),
  admin({
    method: "post",
    path: "/v1/users/{userId}/unlock",
    scope: "users:write",
    summary: "End a user's lock (\"that wasn't me\")",
    description:
      "The owner ends a lock by completing a reset; this ends it without one (after checking with them). 204 whether or not the user was locked; `account.unlocked` is audited when one ends.",
    success: { status: 204, description: "Not locked (any more)" },
    errors: ["USER_NOT_FOUND"],
  }),
  admin({
    method: "get",
    path: "/v1/users/{userId}/events",
    scope: "events:read",
    summary: "A user's audit trail, newest first",
    query: EventsQuery,
    success: { status: 200, description: "A page of events", schema: R.EventPage },
    errors: ["VALIDATION_FAILED", "USER_NOT_FOUND"],
  }),
  admin({
    method: "post",
    path: "/v1/users/force-reset",
    scope: "users:write",
    summary: "Force a password reset on many users (after a breach)",
    description:
      "Needs `users:write` and `resets:write`. Flags `userIds` (up to 1,000, of the client's tenant; other ids are ignored) or `all: true` (every user of the tenant) at once: sessions and login tokens end, password sign-in answers `PASSWORD_RESET_REQUIRED`. The cron then emails each enabled user the client's admin reset, FORCE_RESET_BATCH per run shared between tenants (README: Forced reset after a breach).",
    body: ForceResetBody,
    success: { status: 202, description: "Users flagged, emails queued", schema: ForceResetStarted },
    errors: [...BODY_ERRORS, "UNKNOWN_CLIENT"],
  }),
  admin({
    method: "get",
    path: "/v1/users/force-reset/{jobId}",
    scope: "users:read",
    summary: "Progress of a force-reset job",
    success: { status: 200, description: "The job", schema: ForceResetJob },
    errors: ["FORCE_RESET_JOB_NOT_FOUND"],
  }),
];
