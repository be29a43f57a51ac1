import { admin, BODY_ERRORS, type Operation } from "../../openapi/operations";
import * as R from "../../openapi/responses";
import { CreateClientBody, UpdateClientBody } from "./clients";

/** OpenAPI docs of /v1/clients. */
export const operations: Operation[] = [
  admin({
    method: "get",
    path: "/v1/clients",
    scope: "clients:read",
    summary: "List clients",
    success: { status: 200, description: "Clients", schema: R.ClientList },
    errors: [],
  }),
  admin({
    method: "post",
    path: "/v1/clients",
    scope: "clients:write",
    summary: "Create a client (secrets shown once)",
    body: CreateClientBody,
    success: { status: 201, description: "Created", schema: R.ClientWithSecrets },
    errors: [...BODY_ERRORS, "FORBIDDEN", "CLIENT_EXISTS", "TENANT_NOT_FOUND", "QUOTA_EXCEEDED"],
  }),
  admin({
    method: "get",
    path: "/v1/clients/{clientId}",
    scope: "clients:read",
    clientCredentials: true,
    summary: "Read a client",
    success: { status: 200, description: "The client", schema: R.Client },
    errors: ["CLIENT_NOT_FOUND"],
  }),
  admin({
    method: "patch",
    path: "/v1/clients/{clientId}",
    scope: "clients:write",
    summary: "Update a client",
    body: UpdateClientBody,
    success: { status: 200, description: "Updated", schema: R.ClientWithSecrets },
    errors: [...BODY_ERRORS, "CLIENT_NOT_FOUND", "CLIENT_EXISTS"],
  }),
  admin({
    method: "delete",
    path: "/v1/clients/{clientId}",
    scope: "clients:write",
    summary: "Delete a client",
    description:
      "Invalidates its outstanding resets and drops its queued reset emails and webhooks; users, sessions and audit events stay. The default client cannot be deleted.",
    success: { status: 204, description: "Deleted" },
    errors: ["CLIENT_NOT_FOUND", "FORBIDDEN"],
  }),
  admin({
    method: "post",
    path: "/v1/clients/{clientId}/secret",
    scope: "clients:write",
    summary: "Rotate the client secret (shown once)",
    success: { status: 200, description: "New secret", schema: R.ClientSecret },
    errors: ["CLIENT_NOT_FOUND"],
  }),
  admin({
    method: "post",
    path: "/v1/clients/{clientId}/webhook-secret",
    scope: "clients:write",
    summary: "Rotate the webhook signing secret (shown once)",
    success: { status: 200, description: "New secret", schema: R.WebhookSecret },
    errors: ["CLIENT_NOT_FOUND"],
  }),
];
