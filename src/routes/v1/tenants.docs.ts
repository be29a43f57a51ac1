import { admin, BODY_ERRORS, type Operation } from "../../openapi/operations";
import * as R from "../../openapi/responses";
import { CreateApiKeyBody, CreateTenantBody } from "./tenants";

/** OpenAPI docs of /v1/tenants and /v1/api-keys. */
export const operations: Operation[] = [
  admin({
    method: "post",
    path: "/v1/tenants",
    summary: "Create a tenant and its first API key (root key only)",
    body: CreateTenantBody,
    success: { status: 201, description: "Created; the key is shown once", schema: R.TenantCreated },
    errors: [...BODY_ERRORS, "FORBIDDEN", "TENANT_EXISTS"],
  }),
  admin({
    method: "post",
    path: "/v1/api-keys",
    scope: "keys:write",
    summary: "Create a tenant API key (shown once)",
    description:
      "Omitted scopes mean every scope. A tenant key may grant only scopes it holds itself (INSUFFICIENT_SCOPE otherwise).",
    body: CreateApiKeyBody,
    success: { status: 201, description: "Created", schema: R.ApiKeyCreated },
    errors: [...BODY_ERRORS, "FORBIDDEN", "TENANT_NOT_FOUND", "QUOTA_EXCEEDED"],
  }),
  admin({
    method: "get",
    path: "/v1/api-keys",
    scope: "keys:write",
    summary: "List API keys (never the keys themselves)",
    success: { status: 200, description: "Keys", schema: R.ApiKeyList },
    errors: [],
  }),
  admin({
    method: "delete",
    path: "/v1/api-keys/{keyId}",
    scope: "keys:write",
    summary: "Revoke an API key at once",
    success: { status: 204, description: "Revoked" },
    errors: ["API_KEY_NOT_FOUND"],
  }),
];
