import axe from "axe-core";
import { type Browser, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { expect, inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    e2e: { baseUrl: string; adminKey: string; clientId: string; redirectUri: string; chromium: string };
  }
}

/** The wrangler dev started by scripts/e2e-server.mjs. */
export const server = inject("e2e");

/** Debian's Chromium (or CHROMIUM_PATH), headless: `npx playwright install` is not available where CI runs. */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: server.chromium,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** A page that records CSP violations and script errors, which every test asserts are absent. */
export async function openPage(
  browser: Browser,
  opts: BrowserContextOptions = {},
): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US", ...opts });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && /Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(`${e.name}: ${e.message}`));
  return { page, problems };
}

/**
 * Saves a full-page screenshot at desktop width and at 320 px (under test-results/screenshots, which
 * git ignores), and checks that nothing overflows sideways at 320 px.
 */
export async function shot(page: Page, name: string): Promise<void> {
  const dir = "test-results/screenshots";
  await page.screenshot({ path: `${dir}/${name}-desktop.png`, fullPage: true });
  const size = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 640 });
  await page.screenshot({ path: `${dir}/${name}-320.png`, fullPage: true });
  expect(
    await page.evaluate("document.documentElement.scrollWidth"),
    `${name} overflows at 320 px`,
  ).toBeLessThanOrEqual(320);
  if (size) await page.setViewportSize(size);
}

/** Runs axe-core (WCAG 2.1 A/AA and best practices) on the page; returns the violations. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axe.source);
  const result =
    (await page.evaluate(`axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] })
    .then((r) => ({ passes: r.passes.length, violations: r.violations.map((v) => v.id + " (" + v.impact + "): " + v.nodes.map((n) => n.target.join(" ")).join(", ")) }))`)) as {
      passes: number;
      violations: string[];
    };
  // A run that checked nothing would pass vacuously.
  expect(result.passes).toBeGreaterThan(10);
  return result.violations;
}

/** Asserts the page passes axe in light and in dark mode (colour contrast differs), with a dark screenshot. */
export async function expectAccessible(page: Page, darkShot?: string): Promise<void> {
  expect(await axeViolations(page)).toEqual([]);
  await page.emulateMedia({ colorScheme: "dark" });
  if (darkShot) await page.screenshot({ path: `test-results/screenshots/${darkShot}-dark.png`, fullPage: true });
  expect(await axeViolations(page)).toEqual([]);
  await page.emulateMedia({ colorScheme: "light" });
}

async function call(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(server.baseUrl + path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

/** A fresh address per test. */
export const uniqueEmail = (tag: string) => `${tag}.${crypto.randomUUID().slice(0, 8)}@example.com`;

/** Creates a user through the admin API. */
export async function createUser(email: string, password: string, locale?: string): Promise<void> {
  const res = await call(
    "/v1/users",
    { email, password, ...(locale ? { locale } : {}) },
    { Authorization: `Bearer ${server.adminKey}` },
  );
  expect(res.status).toBe(201);
}

/** Status of a sign-in through the canonical API. */
export const signInStatus = async (email: string, password: string) =>
  (await call("/v1/sessions", { email, password })).status;

/** Requests a reset through the canonical API. */
export const requestReset = async (email: string) =>
  expect((await call("/v1/password-resets", { email, clientId: server.clientId })).status).toBe(202);

/** Completes a reset through the canonical API. */
export const completeReset = async (token: string, newPassword: string) =>
  (await call("/v1/password-resets/complete", { token, newPassword })).status;

interface Mail {
  id: string;
  to: string;
  subject: string;
  text: string;
}

/** The newest captured email to an address (mail leaves in waitUntil, so this polls briefly). */
export async function latestMail(email: string): Promise<Mail> {
  for (let i = 0; i < 50; i++) {
    const { messages } = (await (await fetch(`${server.baseUrl}/dev/mailbox.json`)).json()) as { messages: Mail[] };
    const mail = messages.find((m) => m.to === email);
    if (mail) return mail;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail to ${email}`);
}

/** Opens the dev mailbox and clicks a link inside the newest email to `email`, as its reader would. */
export async function clickInMailbox(
  page: Page,
  email: string,
  link: string | RegExp,
  screenshot?: string,
): Promise<void> {
  await latestMail(email);
  await page.goto(`${server.baseUrl}/dev/mailbox`);
  if (screenshot) await shot(page, screenshot);
  const frame = page.locator("article", { hasText: email }).first().locator("iframe").contentFrame();
  await frame.getByRole("link", { name: link }).first().click();
  await page.waitForURL(/\/reset-password/);
}

/** Completes the password form by typing, as a person would. */
export async function fillPasswords(page: Page, password: string, confirm = password): Promise<void> {
  await page.locator("#password").fill(password);
  await page.locator("#confirm").fill(confirm);
}

/** The id (or tag) of the focused element. */
export const focused = (page: Page) =>
  page.evaluate("document.activeElement && (document.activeElement.id || document.activeElement.tagName)");

/** Text of the visible level-1 heading (the reset page keeps a hidden success heading for the script). */
export const h1 = (page: Page) => page.getByRole("heading", { level: 1 }).textContent();

/** The class attribute of an element ("" when absent). */
export const classOf = async (page: Page, selector: string) =>
  (await page.locator(selector).getAttribute("class")) ?? "";
