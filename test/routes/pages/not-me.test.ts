import { afterEach, describe, expect, it, vi } from "vitest";
import en from "../../../public/i18n/pages/en.json";
import { getDb } from "../../../src/db/client";
import {
  adminHeaders,
  api,
  clock,
  depsOverrides,
  mailTo,
  requestReset,
  rows,
  strongPassword,
  uniqueEmail,
} from "../../helpers";
import { PAGES } from "../../helpers/catalogs";
import { recordingD1 } from "../../helpers/d1";
import { expectSecurePage, formOf, heading, newSession, signIn, submit, visit } from "../../helpers/pages";

// GET/HEAD/POST /not-me (src/routes/pages/not-me.ts): the "that wasn't me" page of the
// password-changed email. Reading it never changes anything; its CSRF-protected post locks.

const NOT_ME = /https:\/\/reset\.example\.test(\/not-me\?token=([\w-]{43}))/;

/** A user whose password a reset just changed, with the path of the email's "that wasn't me" link. */
async function changed(locale?: string) {
  const email = uniqueEmail("not-me");
  const res = await api("/v1/users", {
    json: { email, password: strongPassword(), ...(locale ? { locale } : {}) },
    headers: adminHeaders,
  });
  const user = (await res.json()) as { id: string };
  const { token } = await requestReset(email);
  const password = strongPassword();
  expect((await api("/v1/password-resets/complete", { json: { token, newPassword: password } })).status).toBe(200);
  const mail = (await mailTo(email)).find((m) => NOT_ME.test(m.text))!;
  const [, path, notMe] = NOT_ME.exec(mail.text)!;
  return { email, password, user, path: path!, token: notMe! };
}

const lockedAt = async (userId: string) =>
  (await rows<{ locked_at: number | null }>("SELECT locked_at FROM users WHERE id = ?", userId))[0]!.locked_at;

afterEach(() => vi.restoreAllMocks());

describe("GET/HEAD /not-me", () => {
  it("shows the form and writes nothing, however often scanners fetch the link", async () => {
    const { user, path, token, email, password } = await changed();
    const rec = recordingD1();
    depsOverrides.db = getDb(rec.db);
    for (let i = 0; i < 3; i++) {
      const get = await api(path);
      expect(get.status).toBe(200);
      const html = await get.text();
      expectSecurePage(get, html);
      expect(heading(html)).toBe(en["notme.title"]);
      expect(formOf(html, "/not-me").token).toBe(token);
      const head = await api(path, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe("");
    }
    delete depsOverrides.db;
    expect(rec.calls.length).toBeGreaterThan(0);
    for (const sql of rec.calls.flatMap((c) => c.sql)) expect(sql.trimStart().toLowerCase()).toMatch(/^select/);
    expect(await lockedAt(user.id)).toBeNull();
    expect((await signIn(email, password)).status).toBe(200);
  });

  it("is in the user's language (or ui_locales)", async () => {
    const { path } = await changed("de");
    expect(heading(await (await api(path)).text())).toBe(PAGES.de["notme.title"]);
    expect(heading(await (await api(`${path}&ui_locales=ja`)).text())).toBe(PAGES.ja["notme.title"]);
  });

  it("says a dead link is dead: 400 for junk, 410 once used or expired", async () => {
    const junk = await api("/not-me?token=junk");
    expect(junk.status).toBe(400);
    const html = await junk.text();
    expectSecurePage(junk, html);
    expect(heading(html)).toBe(en["dead.title"]);
    expect(html).not.toContain('action="/not-me"');

    const { path } = await changed();
    clock.advance(7 * 86_400_000 + 1000);
    expect((await api(path)).status).toBe(410);
  });
});

describe("POST /not-me", () => {
  it("locks the account and says how to unlock it", async () => {
    const { user, path, email, password } = await changed();
    const s = newSession();
    const fields = formOf((await visit(s, path)).html, "/not-me");
    const done = await submit(s, "/not-me", fields);
    expect(done.res.status).toBe(200);
    expectSecurePage(done.res, done.html);
    expect(heading(done.html)).toBe(en["notme.done"]);
    expect(done.html).toContain('href="/forgot-password"');
    expect(await lockedAt(user.id)).toBeTypeOf("number");
    const refused = await signIn(email, password);
    expect(refused.status).toBe(423);
    // Submitting again (a second tab, a reload): the link is used.
    const again = await submit(s, "/not-me", fields);
    expect(again.res.status).toBe(410);
    expect(heading(again.html)).toBe(en["dead.title"]);
  });

  it("refuses a post without the form's token and cookie, from another origin, or for another link", async () => {
    const a = await changed();
    const b = await changed();
    const s = newSession();
    const fields = formOf((await visit(s, a.path)).html, "/not-me");
    const attempts = [
      await submit(s, "/not-me", { ...fields, csrf: "" }),
      await submit(s, "/not-me", fields, { Origin: "https://evil.example" }),
      await submit(s, "/not-me", fields, { "Sec-Fetch-Site": "cross-site" }),
      await submit(newSession(), "/not-me", fields),
      // The form token is bound to its link's token.
      await submit(s, "/not-me", { ...fields, token: b.token }),
    ];
    for (const { res, html } of attempts) {
      expect(res.status).toBe(403);
      expect(heading(html)).toBe(en["csrf.title"]);
    }
    expect(await lockedAt(a.user.id)).toBeNull();
    expect(await lockedAt(b.user.id)).toBeNull();
  });
});
