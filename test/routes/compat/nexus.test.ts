import { describe, expect, it } from "vitest";
import {
  adminHeaders,
  api,
  basic,
  mailTo,
  newClient,
  newTenant,
  rows,
  strongPassword,
  uniqueEmail,
} from "../../helpers";

// Written from seed 004 (Nexus APIs: POST /v1/users/{userId}/password-reset?clientId=), DESIGN §5 and issue 3.
// Nexus is the canonical admin route itself, so these tests pin the canonical route to the seed.

const SIGNED_IN = "https://nexus.example.com/signed-in";
const resetPath = (userId: string, clientId?: string) =>
  `/v1/users/${userId}/password-reset${clientId ? `?clientId=${clientId}` : ""}`;

interface NexusWorld {
  /** The Nexus app's client (with its secret and its one redirect URI) and its tenant. */
  client: string;
  secret: string;
  tenantId: string;
  /** A client of another tenant, with its own secret. */
  other: string;
  otherSecret: string;
}

/** Two tenants, each with a client, through the admin API (fresh per test: nothing is shared). */
async function setup(): Promise<NexusWorld> {
  const [nexus, foreign] = [await newTenant("Nexus"), await newTenant("Nexus other")];
  const app = await newClient(nexus.headers, { name: "Nexus app", redirectUris: [SIGNED_IN] });
  const otherApp = await newClient(foreign.headers, { name: "Nexus other app" });
  return {
    client: app.clientId,
    secret: app.clientSecret,
    tenantId: nexus.tenantId,
    other: otherApp.clientId,
    otherSecret: otherApp.clientSecret,
  };
}

/** A user of the Nexus tenant (created with the root key, which may choose the tenant). */
async function nexusUser(email = uniqueEmail("nexus")): Promise<NexusWorld & { id: string; email: string }> {
  const world = await setup();
  const res = await api("/v1/users", { json: { email, tenantId: world.tenantId }, headers: adminHeaders });
  expect(res.status).toBe(201);
  return { ...world, ...((await res.json()) as { id: string; email: string }) };
}

/** Checks the seed's problem-details schema: type, title, detail, instance strings and an int32 status. */
async function problem(res: Response, status: number): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("Content-Type")).toContain("application/problem+json");
  const body = (await res.json()) as Record<string, unknown>;
  for (const field of ["type", "title", "detail", "instance"]) expect(typeof body[field], field).toBe("string");
  expect(body.status).toBe(status);
  expect(Number.isInteger(body.status)).toBe(true);
  return body;
}

describe("POST /v1/users/{userId}/password-reset?clientId= (seed 004)", () => {
  it("204 No Content with an empty body, and sends the user a reset email for that client", async () => {
    const user = await nexusUser();
    const res = await api(resetPath(user.id, user.client), { method: "POST", headers: adminHeaders });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect(res.headers.get("Content-Type")).toBeNull();
    const [mail] = await mailTo(user.email);
    expect(mail!.text).toContain("/reset-password?token=");
    // clientId is where the user goes after the change: the request remembers it.
    const [rr] = await rows<{ client_id: string; redirect_uri: string; kind: string }>(
      "SELECT client_id, redirect_uri, kind FROM reset_requests WHERE user_id = ?",
      user.id,
    );
    expect(rr).toEqual({ client_id: user.client, redirect_uri: SIGNED_IN, kind: "admin" });
  });

  it("accepts both security options: Bearer (with or without an ApplicationToken) and Basic clientId:clientSecret", async () => {
    const user = await nexusUser();
    const withAppToken = await api(resetPath(user.id, user.client), {
      method: "POST",
      headers: { ...adminHeaders, ApplicationToken: "app-token-from-nexus" },
    });
    expect(withAppToken.status).toBe(204);
    const viaBasic = await api(resetPath(user.id, user.client), {
      method: "POST",
      headers: basic(user.client, user.secret),
    });
    expect(viaBasic.status).toBe(204);
    expect(await viaBasic.text()).toBe("");
    // A body-less POST may still carry a JSON content type (generated clients often do).
    const emptyJson = await api(resetPath(user.id, user.client), {
      method: "POST",
      body: "",
      headers: { ...basic(user.client, user.secret), "Content-Type": "application/json" },
    });
    expect(emptyJson.status).toBe(204);
  });

  it("Basic credentials act only within their client's tenant", async () => {
    const user = await nexusUser();
    const wrongSecret = await api(resetPath(user.id, user.client), {
      method: "POST",
      headers: basic(user.client, "not-the-secret"),
    });
    expect(wrongSecret.status).toBe(401);
    // Another tenant's client cannot see the user at all: 404, as for a user that does not exist.
    const otherTenant = await api(resetPath(user.id, user.other), {
      method: "POST",
      headers: basic(user.other, user.otherSecret),
    });
    expect((await problem(otherTenant, 404)).code).toBe("USER_NOT_FOUND");
    expect(await mailTo(user.email)).toEqual([]);
  });

  it("400 problem details: clientId missing, unknown, or of another tenant", async () => {
    const user = await nexusUser();
    const missing = await problem(await api(resetPath(user.id), { method: "POST", headers: adminHeaders }), 400);
    expect(missing).toMatchObject({ instance: `/v1/users/${user.id}/password-reset`, code: "VALIDATION_FAILED" });
    const unknown = await problem(
      await api(resetPath(user.id, "no-such-client"), { method: "POST", headers: adminHeaders }),
      400,
    );
    expect(unknown.code).toBe("UNKNOWN_CLIENT");
    const foreign = await problem(
      await api(resetPath(user.id, user.other), { method: "POST", headers: adminHeaders }),
      400,
    );
    expect(foreign.code).toBe("UNKNOWN_CLIENT");
    expect(await mailTo(user.email)).toEqual([]);
  });

  it("404 problem details for an unknown userId", async () => {
    const { client } = await setup();
    const body = await problem(
      await api(resetPath("usr_does_not_exist", client), { method: "POST", headers: adminHeaders }),
      404,
    );
    expect(body).toMatchObject({ instance: "/v1/users/usr_does_not_exist/password-reset", code: "USER_NOT_FOUND" });
  });

  it("requires authentication", async () => {
    const user = await nexusUser();
    const res = await api(resetPath(user.id, user.client), { method: "POST" });
    expect((await problem(res, 401)).code).toBe("UNAUTHORIZED");
    // Seed 004 accepts Basic too (tested above), but the challenge names Bearer only: a Basic
    // challenge would make browsers cache typed credentials (issue 11).
    expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="resetkit"');
  });

  it("journey: admin reset -> email -> complete -> sign in (Nexus' own API is the canonical one)", async () => {
    const user = await nexusUser();
    expect(
      (await api(resetPath(user.id, user.client), { method: "POST", headers: basic(user.client, user.secret) })).status,
    ).toBe(204);
    const [mail] = await mailTo(user.email);
    const token = new URL(/(https?:\/\/\S+token=[A-Za-z0-9_-]+)/.exec(mail!.text)![1]!).searchParams.get("token")!;
    const password = strongPassword();
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: password } })).status).toBe(200);
    const session = await api("/v1/sessions", { json: { email: user.email, password, clientId: user.client } });
    expect(session.status).toBe(200);
  });

  it("stays as the canonical admin route when COMPAT_DIALECTS leaves nexus out", async () => {
    const user = await nexusUser();
    const res = await api(resetPath(user.id, user.client), {
      method: "POST",
      headers: adminHeaders,
      env: { COMPAT_DIALECTS: "nexudus,nestauth,singularity" },
    });
    expect(res.status).toBe(204);
    const none = await api(resetPath(user.id, user.client), {
      method: "POST",
      headers: adminHeaders,
      env: { COMPAT_DIALECTS: "" },
    });
    expect(none.status).toBe(204);
  });
});
