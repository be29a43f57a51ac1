import { admin, type Operation } from "../../openapi/operations";
import * as R from "../../openapi/responses";
import { ListEmailsQuery } from "./emails";

/** OpenAPI docs of /v1/emails. */
export const operations: Operation[] = [
  admin({
    method: "get",
    path: "/v1/emails",
    scope: "emails:read",
    summary: "List outbox emails (no bodies, no addresses), newest first",
    query: ListEmailsQuery,
    success: { status: 200, description: "A page of emails", schema: R.EmailList },
    errors: ["VALIDATION_FAILED"],
  }),
  admin({
    method: "post",
    path: "/v1/emails/{id}/retry",
    scope: "emails:write",
    summary: "Pull a queued (backing-off) email forward",
    description:
      "Sent, failed, dead and dropped emails have no payload left (it held a live token): 409; request a new reset instead.",
    success: { status: 202, description: "Queued for the next attempt", schema: R.EmailRetried },
    errors: ["EMAIL_NOT_FOUND", "EMAIL_NOT_RETRYABLE"],
  }),
];
