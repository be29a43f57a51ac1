import { describe, expect, it } from "vitest";
import { adminHeaders, answerOf, api, endlessBody, newClient } from "../../helpers";
import { formOf, newSession, submit, visit } from "../../helpers/pages";

// Errors of the hosted pages rendered as pages (pageError in src/routes/pages/index.ts).

describe("page errors", () => {
  it("keep the journey's client and language, e.g. on an expired or forged form", async () => {
    const { clientId } = await newClient(adminHeaders, { branding: { productName: "Brandy" } });
    const s = newSession();
    const fields = formOf(
      (await visit(s, `/forgot-password?client_id=${clientId}&ui_locales=de`)).html,
      "/forgot-password",
    );
    const { res, html } = await submit(s, "/forgot-password", { ...fields, email: "a@example.com", csrf: "1.0" });
    expect(res.status).toBe(403);
    expect(html).toContain('<html lang="de">');
    expect(html).toContain("Brandy");
    expect(html).toContain(`href="/forgot-password?client_id=${clientId}&amp;ui_locales=de"`);
  });
});

describe("refused page posts", () => {
  // The error page keeps the journey's branding from the query only: a body the rules refused
  // (too large, wrong media type) is never read again, even one that never ends.
  const post = (headers: Record<string, string>) =>
    answerOf(
      api("/forgot-password?ui_locales=de", {
        method: "POST",
        body: endlessBody(20 * 1024, "a"),
        headers,
        duplex: "half",
      } as RequestInit),
    );

  it("a form that passes 16 KiB and never ends gets the 413 page at once", async () => {
    const res = await post({ "Content-Type": "application/x-www-form-urlencoded" });
    expect(res).not.toBe("no answer");
    expect((res as Response).status).toBe(413);
    expect(await (res as Response).text()).toContain('<html lang="de">');
  });

  it("a declared Content-Length above the limit is refused without reading the body", async () => {
    const res = await post({ "Content-Type": "application/x-www-form-urlencoded", "Content-Length": "999999" });
    expect(res).not.toBe("no answer");
    expect((res as Response).status).toBe(413);
  });

  it("a body of another media type (multipart) is refused with 415 without reading it", async () => {
    const res = await post({ "Content-Type": "multipart/form-data; boundary=x" });
    expect(res).not.toBe("no answer");
    expect((res as Response).status).toBe(415);
  });
});
