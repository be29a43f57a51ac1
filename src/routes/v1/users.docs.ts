import { admin, BODY_ERRORS, type Operation } from "../../openapi/operations";
import * as R from "../../openapi/responses";
import { EventsQuery } from "./events";
import { AdminResetQuery, CreateUserBody, ImportUsersBody, UpdateUserBody } from "./users";

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
    summary: "Update a user (email, name, locale, disabled)",
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
];
