import { admin, type Operation } from "../../openapi/operations";
import * as R from "../../openapi/responses";
import { SuppressionsQuery } from "./suppressions";

/** OpenAPI docs of /v1/suppressions. */
export const operations: Operation[] = [
  admin({
    method: "get",
    path: "/v1/suppressions",
    scope: "emails:read",
    summary: "Addresses that get no email (hard bounces, complaints), masked, newest first",
    description: "A tenant key sees its tenant's suppressions and those that hold for every tenant (`tenantId: null`).",
    query: SuppressionsQuery,
    success: { status: 200, description: "A page of suppressions", schema: R.SuppressionList },
    errors: ["VALIDATION_FAILED"],
  }),
  admin({
    method: "delete",
    path: "/v1/suppressions/{id}",
    scope: "emails:write",
    summary: "Lift a suppression: the address gets email again",
    description: "A suppression that holds for every tenant is lifted by the root key only (`403 FORBIDDEN`).",
    success: { status: 204, description: "Lifted" },
    errors: ["SUPPRESSION_NOT_FOUND", "FORBIDDEN"],
  }),
];
