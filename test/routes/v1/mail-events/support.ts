import { expect } from "vitest";
import { api, captureFetch, clock, newClient, newTenant, newUser, rows, type TestTenant } from "../../../helpers";

// Shared by the provider-event tests: a tenant whose client has a webhook URL, a mail fake that
// answers like the provider (and records what reached it), and the outbox row of one sent email.

export const MAIL_BASE = "https://mail.fake.test";
export const HOOKS = "https://hooks.example.com/mail-events";

const b64 = (u8: Uint8Array) => btoa(String.fromCharCode(...u8));
export const hex = (u8: Uint8Array) => Array.from(u8, (b) => b.toString(16).padStart(2, "0")).join("");
export const utf8 = (s: string) => new TextEncoder().encode(s);
export { b64 };

/**
 * HMAC-SHA256 of `data` under raw key bytes: written apart from src/crypto/signatures.ts on purpose,
 * since events signed by the code under test could not catch its mistakes.
 */
export async function hmac(key: Uint8Array | string, data: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey(
    "raw",
    typeof key === "string" ? utf8(key) : key,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, utf8(data)));
}

/** Unix seconds of the test clock, shifted. */
export const unix = (shiftMs = 0) => String(Math.floor((clock.now() + shiftMs) / 1000));

export interface Fake {
  /** Requests that reached the mail API. */
  mail: Request[];
  /** Webhook deliveries that reached the client's receiver. */
  hooks: Request[];
  /** Every other outbound fetch (SNS certificates, SubscribeURLs). */
  other: Request[];
}

/**
 * Answers the mail API like the provider (`answer` builds its success response, a fresh message
 * id each time), the client's webhook receiver with 204, and `other` for anything else.
 */
export function fakeNetwork(
  answer: (n: number) => Response,
  other: (req: Request) => Response | Promise<Response> = () => new Response("no", { status: 404 }),
): Fake {
  const fake: Fake = { mail: [], hooks: [], other: [] };
  captureFetch(async (req) => {
    if (req.url.startsWith(MAIL_BASE)) {
      fake.mail.push(req);
      return answer(fake.mail.length);
    }
    if (req.url.startsWith(HOOKS)) {
      fake.hooks.push(req);
      return new Response(null, { status: 204 });
    }
    fake.other.push(req);
    return other(req);
  });
  return fake;
}

export interface Sent {
  tenant: TestTenant;
  clientId: string;
  email: string;
  userId: string;
  /** The outbox row of the reset email. */
  outboxId: string;
  providerMessageId: string;
}

/** A tenant, a client with a webhook URL, a user, and that user's reset email sent through `vars`. */
export async function sendOne(vars: Record<string, string>, fake: Fake): Promise<Sent> {
  const tenant = await newTenant();
  const client = await newClient(tenant.headers, { webhookUrl: `${HOOKS}/${crypto.randomUUID().slice(0, 8)}` });
  const user = await newUser(tenant.headers);
  const before = fake.mail.length;
  const res = await api("/v1/password-resets", { json: { email: user.email, clientId: client.clientId }, env: vars });
  expect(res.status).toBe(202);
  expect(fake.mail.length).toBe(before + 1);
  const [row] = await rows<{ id: string; status: string; provider_message_id: string }>(
    "SELECT id, status, provider_message_id FROM outbox WHERE user_id = ? AND channel = 'email'",
    user.id,
  );
  expect(row?.status).toBe("sent");
  return {
    tenant,
    clientId: client.clientId,
    email: user.email,
    userId: user.id,
    outboxId: row!.id,
    providerMessageId: row!.provider_message_id,
  };
}

/** The suppression rows of an outbox row (or, with `null`, the every-tenant rows of an address's mask). */
export const suppressionsOf = (outboxId: string) =>
  rows<{ id: string; tenant_id: string; reason: string; provider: string }>(
    "SELECT id, tenant_id, reason, provider FROM suppressions WHERE message_id = ?",
    outboxId,
  );

/** What a mail-event request changed: suppression rows, email.* audit events, outbox rows. */
export async function footprint(outboxId: string) {
  const [s] = await rows<{ n: number }>("SELECT count(*) AS n FROM suppressions WHERE message_id = ?", outboxId);
  const [a] = await rows<{ n: number }>(
    "SELECT count(*) AS n FROM audit_events WHERE type IN ('email.delivered','email.bounced','email.complained') AND data->>'messageId' = ?",
    outboxId,
  );
  const [o] = await rows<{ provider_event: string | null }>("SELECT provider_event FROM outbox WHERE id = ?", outboxId);
  return { suppressions: s!.n, audits: a!.n, providerEvent: o!.provider_event };
}

/** The bytes (and status) of POST /v1/password-resets for an address: what a caller can observe. */
export async function requestBytes(email: string, clientId: string, vars: Record<string, string>) {
  const res = await api("/v1/password-resets", { json: { email, clientId }, env: vars });
  return `${res.status} ${await res.text()}`;
}
