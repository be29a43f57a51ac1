import { describe, expect, it } from "vitest";
import { api, mailTo, PRODUCTION } from "../../helpers";
import { expectSecurePage, newSession, userWithReset, visit } from "../../helpers/pages";

// GET /dev/mailbox and /dev/mailbox/:id/html (src/routes/pages/dev-mailbox.ts): the development
// inbox, rendered as a hosted page.

describe("dev mailbox", () => {
  it("serves the dev mailbox only in development", async () => {
    expect((await api("/dev/mailbox.json")).status).toBe(200);
    expect((await api("/dev/mailbox", {})).headers.get("Content-Type")).toContain("text/html");
    const prod = await api("/dev/mailbox.json", { env: PRODUCTION });
    expect(prod.status).toBe(404);
  });

  it("shows each email rendered, with its text part and headers, under a nonce CSP", async () => {
    const { email } = await userWithReset();
    const [mail] = await mailTo(email);
    const box = await visit(newSession(), "/dev/mailbox");
    expect(box.res.status).toBe(200);
    expectSecurePage(box.res, box.html);
    expect(box.res.headers.get("Content-Security-Policy")).toContain("frame-src 'self'");
    expect(box.html).toContain(`src="/dev/mailbox/${mail!.id}/html"`);
    expect(box.html).toContain("Content-Language: en");
    expect(box.html).toContain(`Idempotency-Key: ${mail!.id}`);
    expect(box.html).toContain("Choose a new password:\nhttps://reset.example.test/reset-password?token=");

    const rendered = await api(`/dev/mailbox/${mail!.id}/html`);
    expect(rendered.headers.get("Content-Security-Policy")).toMatch(/frame-ancestors 'self'; sandbox /);
    expect(rendered.headers.get("Content-Security-Policy")).not.toContain("script-src");
    expect(await rendered.text()).toContain('<head><base target="_top">');
    expect((await api("/dev/mailbox/nope/html")).status).toBe(404);
    expect((await api(`/dev/mailbox/${mail!.id}/html`, { env: PRODUCTION })).status).toBe(404);
  });
});
