import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/config";
import { classifyBindingError, cloudflareMailer } from "../../src/mail/cloudflare";
import { type OutgoingEmail, parseRetryAfter, sendWithTimeout } from "../../src/mail/mailer";
import { backoffMs } from "../../src/outbox/backoff";
import {
  answerOf,
  api,
  captureFetch,
  clock,
  createUser,
  envWith,
  mailerWith,
  rows,
  runCron,
  strongPassword,
  uniqueEmail,
} from "../helpers";

const MSG: OutgoingEmail = {
  to: "ada@example.com",
  from: "Acme <no-reply@acme.test>",
  subject: "Reset",
  html: "<p>x</p>",
  text: "x",
};
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers });

type Vars = Partial<Record<keyof Env, string>>;
// Each provider's settings and its documented answers to a malformed recipient and to a setup problem.
const PROVIDERS: Record<string, { vars: Vars; badAddress: () => Response; setup: () => Response }> = {
  resend: {
    vars: { MAIL_PROVIDER: "resend", MAIL_API_KEY: "re_key" },
    badAddress: () =>
      json(422, { statusCode: 422, name: "validation_error", message: "Invalid `to` field: ada@example.com" }),
    setup: () =>
      json(403, { statusCode: 403, name: "validation_error", message: "The acme.test domain is not verified." }),
  },
  postmark: {
    vars: { MAIL_PROVIDER: "postmark", MAIL_API_KEY: "pm-token" },
    badAddress: () => json(422, { ErrorCode: 300, Message: "Invalid 'To' address: 'ada@example.com'." }),
    setup: () => json(422, { ErrorCode: 401, Message: "Sender signature not confirmed." }),
  },
  sendgrid: {
    vars: { MAIL_PROVIDER: "sendgrid", MAIL_API_KEY: "SG.key" },
    badAddress: () =>
      json(400, { errors: [{ message: "Does not contain a valid address.", field: "personalizations.0.to.0.email" }] }),
    setup: () => json(403, { errors: [{ message: "The from address does not match a verified Sender Identity." }] }),
  },
  mailgun: {
    vars: { MAIL_PROVIDER: "mailgun", MAIL_API_KEY: "key-1" },
    badAddress: () => json(400, { message: "to parameter is not a valid address. please check documentation" }),
    setup: () => new Response("Forbidden", { status: 401 }),
  },
  brevo: {
    vars: { MAIL_PROVIDER: "brevo", MAIL_API_KEY: "xkeysib-1" },
    badAddress: () => json(400, { code: "invalid_parameter", message: "email is not valid in to" }),
    setup: () => json(401, { code: "unauthorized", message: "Key not found" }),
  },
  ses: {
    vars: { MAIL_PROVIDER: "ses", MAIL_API_KEY: "AKIDEXAMPLE:secret", MAIL_SES_REGION: "eu-west-1" },
    badAddress: () =>
      json(
        400,
        { message: "Missing final '@domain'" },
        { "x-amzn-ErrorType": "BadRequestException:http://internal.amazon.com/coral/com.amazonaws.sesv2/" },
      ),
    setup: () =>
      json(
        400,
        { message: "Sending paused for this account." },
        { "x-amzn-ErrorType": "SendingPausedException:http://internal.amazon.com/coral/com.amazonaws.sesv2/" },
      ),
  },
};

/** Moves the test clock just past an instant (a row's next attempt: its backoff or Retry-After). */
const advancePast = (at: number) => clock.advance(Math.max(0, at - clock.now()) + 1);

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe.each(Object.entries(PROVIDERS))("%s faults", (name, p) => {
  it("classifies timeouts, network errors, 429 + Retry-After, 5xx, setup errors and bad addresses", async () => {
    const mailer = await mailerWith(p.vars);
    const answers: (() => Response)[] = [
      () => {
        throw new DOMException("timed out", "TimeoutError");
      },
      () => {
        throw new TypeError("connection reset");
      },
      () => json(429, { message: "slow down" }, { "Retry-After": "120" }),
      () => json(500, { message: "internal" }),
      () =>
        new Response("unavailable", {
          status: 503,
          headers: { "Retry-After": new Date(clock.now() + 90_000).toUTCString() },
        }),
      p.setup,
      p.badAddress,
    ];
    let i = 0;
    captureFetch(() => answers[i++]!());
    const results = [];
    for (let n = 0; n < answers.length; n++) results.push(await mailer.send(MSG, "msg_1"));
    expect(results.map((r) => r.status)).toEqual([
      "retryable",
      "retryable",
      "retryable",
      "retryable",
      "retryable",
      "retryable",
      "permanent",
    ]);
    expect(results[0]).toEqual({ status: "retryable", error: "timeout" });
    expect(results[1]).toEqual({ status: "retryable", error: "network error" });
    expect(results[2]).toMatchObject({ retryAfterSeconds: 120 });
    expect((results[4] as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(88);
    // Errors are stored in clear: no address a provider echoes survives, and never the key.
    for (const r of results) {
      expect(JSON.stringify(r)).not.toContain("ada@example.com");
      expect(JSON.stringify(r)).not.toContain(p.vars.MAIL_API_KEY!);
    }
  });

  it("through the outbox: 429 waits for Retry-After, 500 and a timeout retry, success sends once; a bad address fails at once", async () => {
    const vars = { MAIL_API_BASE_URL: "", ...p.vars };
    const email = uniqueEmail(`fault-${name}`);
    const user = await createUser(email, strongPassword());
    const answers: (() => Response)[] = [
      () => json(429, {}, { "Retry-After": "120" }),
      () => json(500, {}),
      () => {
        throw new DOMException("timed out", "TimeoutError");
      },
      () =>
        name === "sendgrid"
          ? new Response(null, { status: 202 })
          : json(200, { id: "ok", MessageID: "ok", messageId: "ok", MessageId: "ok" }),
    ];
    let i = 0;
    const calls = captureFetch(() => answers[i++]!());
    await api("/v1/password-resets", { json: { email }, env: vars });
    const row = () =>
      rows<{ id: string; status: string; next_attempt_at: number; provider: string }>(
        "SELECT * FROM outbox WHERE user_id = ?",
        user.id,
      ).then((r) => r[0]!);
    expect((await row()).next_attempt_at).toBeGreaterThanOrEqual(clock.now() + 119_000);
    for (let n = 0; n < 3; n++) {
      advancePast((await row()).next_attempt_at);
      await runCron(envWith(vars));
    }
    expect(await row()).toMatchObject({ status: "sent", provider: name });
    expect(calls).toHaveLength(4);
    // Past any backoff a 4th failure would have set (and well within the link's 30 minutes).
    clock.advance(backoffMs(4, undefined, () => 1) + 1);
    await runCron(envWith(vars));
    expect(calls).toHaveLength(4);

    const other = uniqueEmail(`bounce-${name}`);
    const u2 = await createUser(other, strongPassword());
    captureFetch(p.badAddress);
    await api("/v1/password-resets", { json: { email: other }, env: vars });
    const [failed] = await rows<{ status: string; payload: string | null; last_error: string }>(
      "SELECT * FROM outbox WHERE user_id = ?",
      u2.id,
    );
    expect(failed).toMatchObject({ status: "failed", payload: null });
    expect(failed!.last_error).not.toContain(other);
  });
});

describe("shared fault handling", () => {
  it("a provider that never answers times out (the signal aborts the fetch)", async () => {
    const hang = (signal: AbortSignal) =>
      new Promise<Response>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    expect(await sendWithTimeout(hang, {}, 50)).toEqual({ status: "retryable", error: "timeout" });
  });

  it("a 2xx whose body never finishes is sent (the provider accepted it: a retry would send a second copy)", async () => {
    // As a real fetch does: the body errors when the request's signal aborts.
    const acceptedThenStalls = (signal: AbortSignal) =>
      Promise.resolve(
        new Response(
          new ReadableStream({
            start(c) {
              c.enqueue(new TextEncoder().encode('{"id":"re_'));
              signal.addEventListener("abort", () => c.error(signal.reason));
            },
          }),
          { status: 200, headers: { "Content-Type": "application/json" } },
        ),
      );
    expect(await sendWithTimeout(acceptedThenStalls, {}, 50)).toEqual({ status: "sent" });
  });

  it("reads at most 64 KiB of a provider's answer (an error page of any size cannot fill memory)", async () => {
    let pulled = 0;
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    const huge = () =>
      Promise.resolve(
        new Response(
          new ReadableStream({
            pull(c) {
              if (pulled >= 64 * 1024 * 1024) return c.close();
              pulled += chunk.length;
              c.enqueue(chunk);
            },
          }),
          { status: 500 },
        ),
      );
    const result = await sendWithTimeout(huge, {}, 5_000);
    expect(result.status).toBe("retryable");
    expect((result as { error: string }).error).toMatch(/^HTTP 500: x+$/);
    expect(pulled).toBeLessThanOrEqual(128 * 1024);
  });

  it("through the request endpoint: a provider that never answers does not delay the 202; the attempt times out into a retry", async () => {
    const email = uniqueEmail("hang");
    const user = await createUser(email, strongPassword());
    let signalOf: AbortSignal | undefined;
    let timeOut: (e: unknown) => void = () => {};
    vi.spyOn(globalThis, "fetch").mockImplementation(
      (_input, init) =>
        new Promise<Response>((_, reject) => {
          signalOf = init?.signal as AbortSignal;
          timeOut = reject;
        }),
    );
    const vars = { MAIL_PROVIDER: "resend", MAIL_API_KEY: "re_key", MAIL_API_BASE_URL: "https://mail.fake.test" };
    const ctx = { json: { email }, env: vars, background: "leave" as const };
    const res = await answerOf(api("/v1/password-resets", ctx));
    expect(res).not.toBe("no answer");
    expect((res as Response).status).toBe(202);
    // The provider call is still pending, with a deadline: the signal the runtime aborts after SEND_TIMEOUT_MS.
    await vi.waitFor(() => expect(signalOf).toBeDefined());
    expect(signalOf!.aborted).toBe(false);
    timeOut(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
    await vi.waitFor(async () => {
      const [row] = await rows<{ status: string; last_error: string; next_attempt_at: number }>(
        "SELECT status, last_error, next_attempt_at FROM outbox WHERE user_id = ?",
        user.id,
      );
      expect(row).toMatchObject({ status: "queued", last_error: "timeout" });
      expect(row!.next_attempt_at).toBeGreaterThan(clock.now());
    });
  });

  it("reads Retry-After as seconds or an HTTP date, capped at an hour, ignoring nonsense", () => {
    const now = Date.parse("2026-01-15T12:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter("Thu, 15 Jan 2026 12:01:30 GMT", now)).toBe(90);
    expect(parseRetryAfter("86400", now)).toBe(3600);
    for (const bad of [null, "", "0", "-5", "soon", "Thu, 15 Jan 2026 11:00:00 GMT"])
      expect(parseRetryAfter(bad, now)).toBeUndefined();
  });

  it("cloudflare: E_* codes by table, anything else retryable, a hanging binding times out", async () => {
    const err = (code?: string) => Object.assign(new Error("for ada@example.com"), code ? { code } : {});
    expect(classifyBindingError(err("E_RATE_LIMIT_EXCEEDED"))).toEqual({
      status: "retryable",
      error: "E_RATE_LIMIT_EXCEEDED",
    });
    expect(classifyBindingError(err("E_DAILY_LIMIT_EXCEEDED")).status).toBe("retryable");
    expect(classifyBindingError(err("E_INTERNAL_SERVER_ERROR")).status).toBe("retryable");
    expect(classifyBindingError(err("E_SENDER_NOT_VERIFIED")).status).toBe("retryable");
    expect(classifyBindingError(err("E_RECIPIENT_SUPPRESSED"))).toEqual({
      status: "permanent",
      error: "E_RECIPIENT_SUPPRESSED",
    });
    expect(classifyBindingError(err("E_VALIDATION_ERROR")).status).toBe("permanent");
    expect(classifyBindingError(err())).toEqual({ status: "retryable", error: "send_email error" });

    vi.useFakeTimers();
    const mailer = cloudflareMailer({ send: () => new Promise(() => {}) } as unknown as SendEmail);
    const pending = mailer.send(MSG, "msg_1");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await pending).toEqual({ status: "retryable", error: "timeout" });
  });
});
