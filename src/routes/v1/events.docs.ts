import { admin, type Operation } from "../../openapi/operations";
import * as R from "../../openapi/responses";
import { EventsQuery } from "./events";

/** OpenAPI docs of /v1/events. */
export const operations: Operation[] = [
  admin({
    method: "get",
    path: "/v1/events",
    scope: "events:read",
    summary: "The tenant's audit trail (type, since, cursor)",
    query: EventsQuery,
    success: { status: 200, description: "A page of events", schema: R.EventPage },
    errors: ["VALIDATION_FAILED"],
  }),
];
