import { describe, expect, it } from "vitest";
import { adminHeaders, newClient } from "../../helpers";
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
