import type { Operation } from "../openapi/operations";
import * as R from "../openapi/responses";

/** OpenAPI docs of the operations routes. */
export const operations: Operation[] = [
  {
    method: "get",
    path: "/healthz",
    tag: "Operations",
    auth: "none",
    summary: "Health of D1 and KV",
    success: { status: 200, description: "Healthy (503 when degraded)", schema: R.Health },
    errors: ["SERVICE_UNAVAILABLE"],
  },
  {
    method: "get",
    path: "/.well-known/jwks.json",
    tag: "Operations",
    auth: "none",
    summary: "Public keys of the token signer",
    success: { status: 200, description: "JWKS", schema: R.Jwks },
    errors: [],
  },
];
