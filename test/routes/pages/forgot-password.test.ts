import { describe, expect, it } from "vitest";
import en from "../../../public/i18n/pages/en.json";
import { adminHeaders, createUser, mailTo, newClient, rows, strongPassword, uniqueEmail } from "../../helpers";
import { formOf, heading, newSession, signIn, submit, userWithReset, visit } from "../../helpers/pages";

// GET/POST /forgot-password and GET/POST /reset-password/code (src/routes/pages/forgot-password.ts,
// the code half of src/routes/pages/reset-password.ts).

/** The allowlist of the redirect tests: one URI without and one with a trailing slash. */
const DONE = "https://app.example.com/done";
const CALLBACK = "https://app.example.com/cb/";

/**
 * URIs that differ from an allowlisted one in one way each. Exact match means every one is refused:
 * a prefix, query-blind, slash-blind, case-blind or URL-normalising comparison lets one through.
 */
const NEAR_MISSES = [
  `${DONE}/x`,
  `${DONE}X`,
  `${DONE}?a=1`,
  `${DONE}/`,
  `${DONE}#x`,
  "https://app.example.com/don",
  "https://APP.example.com/done",
  "https://app.example.com/Done",
  "HTTPS://app.example.com/done",
  "https://app.example.com:443/done",
  "https://app.example.com.evil.example/done",
  "https://app.example.com/cb",
  "https://app.example.com/cb//",
];

const redirectClient = async () =>
  (await newClient(adminHeaders, { name: "Redirects", redirectUris: [DONE, CALLBACK] })).clientId;
const query = (clientId: string, uri: string) => `client_id=${clientId}&redirect_uri=${encodeURIComponent(uri)}`;
const JSON_ACCEPT = { Accept: "application/json" };

describe("forgot password and code pages", () => {
  it("shows the same neutral page for known and unknown addresses, and mails only the known one", async () => {
    const known = uniqueEmail("known");
    await createUser(known, strongPassword());
    const unknown = uniqueEmail("known");
    const s = newSession();
    const fields = formOf((await visit(s, "/forgot-password")).html, "/forgot-password");
    const a = await submit(s, "/forgot-password", { ...fields, email: known });
    const b = await submit(s, "/forgot-password", { ...fields, email: unknown });
    expect([a.res.status, b.res.status]).toEqual([200, 200]);
    const normalize = (h: string, email: string) =>
      h
        .replaceAll(email, "EMAIL")
        .replace(/nonce(=")?[-'A-Za-z0-9_]{22,}/g, "N")
        .replace(/value="\d+\.[0-9a-f]{64}"/, "CSRF");
    expect(normalize(a.html, known)).toBe(normalize(b.html, unknown));
    expect(heading(a.html)).toBe(en["sent.title"]);
    expect((await mailTo(known)).length).toBe(1);
    expect(await mailTo(unknown)).toEqual([]);
  });

  it("rejects an invalid address with an inline, escaped error", async () => {
    const s = newSession();
    const fields = formOf((await visit(s, "/forgot-password")).html, "/forgot-password");
    const { res, html } = await submit(s, "/forgot-password", { ...fields, email: '"><script>alert(1)</script>' });
    expect(res.status).toBe(400);
    expect(html).not.toContain("<script>alert");
    expect(html).toContain("&quot;&gt;&lt;script&gt;");
    expect(html).toMatch(/id="email"[^>]*aria-invalid="true" aria-describedby="email-error"/);
    expect(html).toContain(en["email.invalid"]);
  });

  it("trades email + code for the same form, then completes", async () => {
    const { email, code } = await userWithReset();
    const s = newSession();
    const fields = formOf((await visit(s, "/reset-password/code")).html, "/reset-password/code");
    const wrong = await submit(s, "/reset-password/code", {
      ...fields,
      email,
      code: code === "000000" ? "111111" : "000000",
    });
    expect(wrong.res.status).toBe(400);
    expect(wrong.html).toContain(en["code.invalid"]);
    const form = await submit(s, "/reset-password/code", { ...fields, email, code: code! });
    expect(form.res.status).toBe(200);
    expect(heading(form.html)).toBe(en["reset.title"]);
    const resetFields = formOf(form.html, "/reset-password");
    expect(resetFields.token!.split(".")).toHaveLength(3);
    const pw = strongPassword();
    const done = await submit(s, "/reset-password", { ...resetFields, password: pw, confirm: pw });
    expect(heading(done.html)).toContain(en["done.title"]);
    expect((await signIn(email, pw)).status).toBe(200);
  });
});

describe("redirect_uri on the forgot and code pages: exact match only", () => {
  it("GET /forgot-password and GET /reset-password/code refuse every near miss of an allowlisted URI", async () => {
    const clientId = await redirectClient();
    for (const path of ["/forgot-password", "/reset-password/code"]) {
      for (const uri of NEAR_MISSES) {
        const page = await visit(newSession(), `${path}?${query(clientId, uri)}`);
        expect(page.res.status, `${path} ${uri}`).toBe(400);
        expect(heading(page.html), `${path} ${uri}`).toBe(en["invalid.title"]);
        expect(page.html, `${path} ${uri}`).not.toContain(encodeURIComponent(uri));
        const json = await visit(newSession(), `${path}?${query(clientId, uri)}`, { headers: JSON_ACCEPT });
        expect(JSON.parse(json.html), `${path} ${uri}`).toEqual({ ok: false, code: "REDIRECT_URI_NOT_ALLOWED" });
      }
      // The allowlisted URIs themselves are carried on in the form.
      for (const uri of [DONE, CALLBACK]) {
        const page = await visit(newSession(), `${path}?${query(clientId, uri)}`);
        expect(page.res.status, `${path} ${uri}`).toBe(200);
        expect(formOf(page.html, path).redirect_uri).toBe(uri);
      }
    }
  });

  it("POST /forgot-password refuses every near miss before a single email is sent", async () => {
    const clientId = await redirectClient();
    const email = uniqueEmail("near-miss");
    await createUser(email, strongPassword());
    const s = newSession();
    const fields = formOf((await visit(s, `/forgot-password?${query(clientId, DONE)}`)).html, "/forgot-password");
    for (const uri of NEAR_MISSES) {
      const page = await submit(s, "/forgot-password", { ...fields, email, redirect_uri: uri });
      expect(page.res.status, uri).toBe(400);
      expect(heading(page.html), uri).toBe(en["invalid.title"]);
      const json = await submit(s, "/forgot-password", { ...fields, email, redirect_uri: uri }, JSON_ACCEPT);
      expect(JSON.parse(json.html), uri).toEqual({ ok: false, code: "REDIRECT_URI_NOT_ALLOWED" });
    }
    expect(await mailTo(email)).toEqual([]);
    expect(
      await rows("SELECT r.id FROM reset_requests r JOIN users u ON u.id = r.user_id WHERE u.email = ?", email),
    ).toEqual([]);
    // The exact URI goes through, and is the one the reset remembers.
    expect((await submit(s, "/forgot-password", { ...fields, email })).res.status).toBe(200);
    expect((await mailTo(email)).length).toBe(1);
    expect(
      await rows(
        "SELECT r.redirect_uri FROM reset_requests r JOIN users u ON u.id = r.user_id WHERE u.email = ?",
        email,
      ),
    ).toEqual([{ redirect_uri: DONE }]);
  });

  it("POST /reset-password/code refuses every near miss without spending the code", async () => {
    const clientId = await redirectClient();
    const { email, code } = await userWithReset({ clientId });
    const s = newSession();
    const fields = formOf(
      (await visit(s, `/reset-password/code?${query(clientId, DONE)}`)).html,
      "/reset-password/code",
    );
    for (const uri of NEAR_MISSES) {
      const page = await submit(s, "/reset-password/code", { ...fields, email, code: code!, redirect_uri: uri });
      expect(page.res.status, uri).toBe(400);
      expect(heading(page.html), uri).toBe(en["invalid.title"]);
      const json = await submit(
        s,
        "/reset-password/code",
        { ...fields, email, code: code!, redirect_uri: uri },
        JSON_ACCEPT,
      );
      expect(JSON.parse(json.html), uri).toEqual({ ok: false, code: "REDIRECT_URI_NOT_ALLOWED" });
    }
    const [rr] = await rows<{ code_attempts: number; code_used_at: number | null }>(
      "SELECT r.code_attempts, r.code_used_at FROM reset_requests r JOIN users u ON u.id = r.user_id WHERE u.email = ?",
      email,
    );
    expect(rr).toEqual({ code_attempts: 0, code_used_at: null });
    const form = await submit(s, "/reset-password/code", { ...fields, email, code: code! });
    expect(form.res.status).toBe(200);
    expect(heading(form.html)).toBe(en["reset.title"]);
  });
});
