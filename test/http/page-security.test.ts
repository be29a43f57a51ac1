import { afterEach, describe, expect, it, vi } from "vitest";
import en from "../../public/i18n/pages/en.json";
import { createUser, mailTo, strongPassword, uniqueEmail } from "../helpers";
import { expectSecurePage, formOf, heading, newSession, signIn, submit, userWithReset, visit } from "../helpers/pages";

// Security of the hosted pages (src/http/page-security.ts): response headers with a per-response
// nonce CSP, and the CSRF check of every form post.

afterEach(() => vi.restoreAllMocks());

const hex = (buf: ArrayBuffer | ArrayBufferView) =>
  [...new Uint8Array(ArrayBuffer.isView(buf) ? buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) : buf)]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
const sha256 = async (s: string) => hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));

/** Records every crypto.subtle.timingSafeEqual of the Worker (same isolate): its inputs and its answer. */
function spyTimingSafeEqual(): { a: string; b: string; result: boolean }[] {
  const calls: { a: string; b: string; result: boolean }[] = [];
  const real = crypto.subtle.timingSafeEqual.bind(crypto.subtle);
  vi.spyOn(crypto.subtle, "timingSafeEqual").mockImplementation((a, b) => {
    const result = real(a, b);
    calls.push({ a: hex(a), b: hex(b), result });
    return result;
  });
  return calls;
}

describe("hosted pages: security headers", () => {
  it("sends a strict CSP with a fresh nonce, no-referrer, no-store and nosniff on every page", async () => {
    const { token } = await userWithReset();
    const s = newSession();
    const pages = [
      await visit(s, "/forgot-password"),
      await visit(s, `/reset-password?token=${token}`),
      await visit(s, "/reset-password?token=nope"),
      await visit(s, "/reset-password/code"),
      await visit(s, "/forgot-password?client_id=no-such-client"),
      await submit(s, "/forgot-password", { email: "x@example.com", csrf: "1.bad" }),
    ];
    const nonces = pages.map(({ res, html }) => expectSecurePage(res, html));
    for (const { html } of pages) expect(html).toMatch(/<script src="\/assets\/page-\d+\.js" nonce="[^"]+"><\/script>/);
    expect(new Set(nonces).size).toBe(nonces.length);
    expect(pages.map((p) => p.res.status)).toEqual([200, 200, 400, 200, 400, 403]);
  });
});

describe("CSRF", () => {
  it("rejects posts without the cookie, with a forged or foreign token, or from another site", async () => {
    const { token, email } = await userWithReset();
    const s = newSession();
    const fields = formOf((await visit(s, `/reset-password?token=${token}`)).html, "/reset-password");
    const pw = strongPassword();
    const attempt = (f: Record<string, string>, extra: Record<string, string> = {}, session = s) =>
      submit(session, "/reset-password", { ...f, password: pw, confirm: pw }, extra);

    expect((await attempt(fields, {}, newSession())).res.status).toBe(403); // no cookie
    expect(
      (await attempt({ ...fields, csrf: fields.csrf!.replace(/.$/, (c) => (c === "0" ? "1" : "0")) })).res.status,
    ).toBe(403);
    expect((await attempt({ ...fields, csrf: "" })).res.status).toBe(403);
    expect((await attempt(fields, { Origin: "https://evil.example" })).res.status).toBe(403);
    expect((await attempt(fields, { "Sec-Fetch-Site": "cross-site" })).res.status).toBe(403);
    // A token minted for another reset does not carry over.
    const other = await userWithReset();
    const otherFields = formOf((await visit(s, `/reset-password?token=${other.token}`)).html, "/reset-password");
    expect((await attempt({ ...fields, csrf: otherFields.csrf! })).res.status).toBe(403);

    const rejected = await attempt(fields, { Origin: "https://evil.example" });
    expect(heading(rejected.html)).toBe(en["csrf.title"]);
    const json = await attempt(fields, { Origin: "https://evil.example", Accept: "application/json" });
    expect(JSON.parse(json.html)).toEqual({ ok: false, code: "CSRF_FAILED" });
    expect((await signIn(email, pw)).status).toBe(401);

    // The genuine post still works afterwards: nothing was consumed.
    expect((await attempt(fields)).res.status).toBe(200);
    expect((await signIn(email, pw)).status).toBe(200);
  });

  it("sends no email for a forgot-password post that fails the CSRF check", async () => {
    const email = uniqueEmail("csrf");
    await createUser(email, strongPassword());
    const s = newSession();
    const fields = formOf((await visit(s, "/forgot-password")).html, "/forgot-password");
    expect(
      (await submit(s, "/forgot-password", { ...fields, email }, { "Sec-Fetch-Site": "same-site" })).res.status,
    ).toBe(403);
    expect((await submit(newSession(), "/forgot-password", { ...fields, email })).res.status).toBe(403);
    expect(await mailTo(email)).toEqual([]);
  });

  it("compares the token's MAC in constant time (crypto.subtle.timingSafeEqual), right or wrong", async () => {
    const email = uniqueEmail("csrf-timing");
    await createUser(email, strongPassword());
    const s = newSession();
    const fields = formOf((await visit(s, "/forgot-password")).html, "/forgot-password");
    const [exp, mac] = fields.csrf!.split(".") as [string, string];
    const wrongMac = mac.replace(/.$/, (c) => (c === "0" ? "1" : "0"));

    // The MAC is hashed, then the digests compared: the submitted one must be an input of a
    // comparison, and the answer of that comparison decides the post.
    const calls = spyTimingSafeEqual();
    const wrong = await submit(s, "/forgot-password", { ...fields, email, csrf: `${exp}.${wrongMac}` });
    expect(wrong.res.status).toBe(403);
    const wrongDigest = await sha256(wrongMac);
    expect(calls.filter((c) => c.a === wrongDigest || c.b === wrongDigest).map((c) => c.result)).toEqual([false]);
    expect(await mailTo(email)).toEqual([]);

    calls.length = 0;
    const right = await submit(s, "/forgot-password", { ...fields, email });
    expect(right.res.status).toBe(200);
    const rightDigest = await sha256(mac);
    expect(calls.filter((c) => c.a === rightDigest || c.b === rightDigest).map((c) => c.result)).toEqual([true]);
    expect((await mailTo(email)).length).toBe(1);
  });
});
