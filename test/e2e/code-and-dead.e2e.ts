import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  completeReset,
  createUser,
  expectAccessible,
  fillPasswords,
  h1,
  latestMail,
  launch,
  openPage,
  requestReset,
  server,
  shot,
  signInStatus,
  uniqueEmail,
} from "./support";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe("code path and dead links in a real browser", () => {
  it("resets with the 6-digit code typed on the 'check your inbox' page", async () => {
    const email = uniqueEmail("code");
    await createUser(email, "Old-Password-1234");
    const { page, problems } = await openPage(browser);
    await page.goto(`${server.baseUrl}/forgot-password?client_id=${server.clientId}`);
    await page.getByLabel("Email address").fill(email);
    await page.getByRole("button", { name: "Send me a reset link" }).click();
    await expect.poll(() => h1(page)).toBe("Check your inbox");

    const code = /\b(\d{6})\b/.exec((await latestMail(email)).text)![1]!;
    await page.getByLabel("6-digit code").fill(code === "000000" ? "111111" : "000000");
    await page.getByRole("button", { name: "Continue" }).click();
    await expect.poll(() => h1(page)).toBe("Enter your code");
    expect(await page.locator("#code-error").textContent()).toContain("not valid");
    expect(await page.locator("#code").getAttribute("aria-describedby")).toBe("code-error");
    await shot(page, "code-1-wrong");
    await expectAccessible(page);

    await page.getByLabel("6-digit code").fill(code);
    await page.getByRole("button", { name: "Continue" }).click();
    await expect.poll(() => h1(page)).toBe("Choose a new password");
    await shot(page, "code-2-reset");
    const newPassword = "Code-Path-Passphrase-5";
    await fillPasswords(page, newPassword);
    await page.getByRole("button", { name: "Save new password" }).click();
    await expect.poll(() => page.locator("#done").isVisible()).toBe(true);
    await shot(page, "code-3-done");
    expect(await signInStatus(email, newPassword)).toBe(200);
    expect(problems).toEqual([]);
  });

  it("explains a used link and leads to a new request", async () => {
    const email = uniqueEmail("dead");
    await createUser(email, "Old-Password-1234");
    await requestReset(email);
    const link = /(https?:\/\/\S+token=[A-Za-z0-9_-]+)/.exec((await latestMail(email)).text)![1]!;
    expect(await completeReset(new URL(link).searchParams.get("token")!, "Someone-Else-Was-Faster-1")).toBe(200);

    const { page, problems } = await openPage(browser);
    const res = await page.goto(link);
    expect(res!.status()).toBe(410);
    expect(await h1(page)).toBe("This link can no longer be used");
    expect(await page.locator("main").textContent()).toContain("already used");
    await shot(page, "dead-1-used");
    await expectAccessible(page);
    await page.getByRole("link", { name: "Request a new link" }).click();
    await page.waitForURL(`${server.baseUrl}/forgot-password?client_id=${server.clientId}`);
    expect(await h1(page)).toBe("Forgot your password?");
    expect(problems).toEqual([]);
  });
});
