import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDOC_SCRIPT } from "../../src/openapi/docs-page";
import { launch, openPage, server } from "./support";

// /docs as people read it: the vendored Redoc rendering /openapi.json in Chromium, offline (every
// request to another origin is aborted and recorded), under the CSP public/_headers gives it.

/** The one outside resource Redoc asks for: its logo in the side menu, refused by the CSP and then hidden by Redoc. */
const REDOCLY_LOGO = /cdn\.redoc\.ly\/redoc\/logo-mini\.svg/;

type Browser = Awaited<ReturnType<typeof launch>>;
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe("/docs (Redoc, vendored, served by Workers Static Assets)", () => {
  it("is served with a CSP that runs only this origin's scripts, and the vendored bundle as committed", async () => {
    const res = await fetch(`${server.baseUrl}/docs/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("Referrer-Policy")).toBe("no-referrer");
    const bundle = await fetch(server.baseUrl + REDOC_SCRIPT);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("Content-Type")).toContain("javascript");
    expect(await bundle.text()).toBe(readFileSync(new URL(`../../public${REDOC_SCRIPT}`, import.meta.url), "utf8"));
  });

  it("renders every section, request fields, error codes and curl examples as text, offline", async () => {
    const { page, problems } = await openPage(browser);
    const outside: string[] = [];
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (new URL(url).origin === new URL(server.baseUrl).origin) return route.continue();
      outside.push(url);
      return route.abort();
    });
    await page.goto(`${server.baseUrl}/docs/`);
    await page.getByRole("heading", { name: "Request a password reset" }).waitFor({ timeout: 30_000 });

    // The canonical sections and the four dialects: each an entry of the side menu and a heading.
    const menu = page.locator(".menu-content");
    for (const section of [
      "Password resets",
      "Sessions",
      "Admin",
      "Dialect: Nexudus (seeds 003, 000)",
      "Dialect: NestAuth (seed 001)",
      "Dialect: Singularity (seed 002)",
      "Dialect: Nexus (seed 004)",
    ]) {
      await expect
        .poll(() => menu.getByText(section, { exact: true }).count(), { message: section })
        .toBeGreaterThan(0);
      const heading = new RegExp(`^${section.replace(/[()]/g, "\\$&")}$`);
      expect(await page.locator("h2").filter({ hasText: heading }).count(), section).toBe(1);
    }

    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, what a reader sees, is the point
    const text = (await page.locator("redoc").innerText()).replace(/\s+/g, " ");
    // Request body fields of the canonical journey and of a dialect.
    for (const field of ["email", "redirectUri", "newPassword", "token", "otp", "grant_type"])
      expect(text).toContain(field);
    // Error codes, rendered from the response descriptions' markdown: code, not raw backticks.
    for (const code of [
      "TOKEN_USED",
      "REDIRECT_URI_NOT_ALLOWED",
      "PAYLOAD_TOO_LARGE",
      "RATE_LIMITED",
      "USER_NOT_FOUND",
    ]) {
      expect(await page.locator("code", { hasText: code }).count(), code).toBeGreaterThan(0);
    }
    expect(text).not.toContain("`TOKEN_USED`");

    // The curl example of the first operation, in its own tab.
    await page.getByRole("tab", { name: "curl" }).first().click();
    await expect
      .poll(() => page.getByText('curl -X POST "https://reset.example.com/v1/password-resets"').count())
      .toBeGreaterThan(0);

    expect(outside).toEqual([]);
    expect(problems.filter((p) => !REDOCLY_LOGO.test(p))).toEqual([]);
    await page.context().close();
  });
});
