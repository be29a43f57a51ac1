import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  completeReset,
  createUser,
  expectAccessible,
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

describe('"that wasn\'t me" in a real browser', () => {
  it("clicks the changed email's button, locks the account on the page's post, and leads to a new reset", async () => {
    const email = uniqueEmail("notme");
    await createUser(email, "Old-Password-1234");
    await requestReset(email);
    const token = new URL(/(https?:\/\/\S+token=[\w-]+)/.exec((await latestMail(email)).text)![1]!).searchParams.get(
      "token",
    )!;
    const password = "Attacker-Chose-This-1";
    expect(await completeReset(token, password)).toBe(200);
    const changed = await latestMail(email);
    expect(changed.subject).toContain("was changed");

    const { page, problems } = await openPage(browser);
    // As its reader would: the button inside the email in the dev mailbox.
    await page.goto(`${server.baseUrl}/dev/mailbox`);
    const frame = page.locator("article", { hasText: email }).first().locator("iframe").contentFrame();
    await frame.getByRole("link", { name: "This was not me" }).first().click();
    await page.waitForURL(/\/not-me/);
    expect(await h1(page)).toBe("Was this not you?");
    // The page's script takes the token out of the address bar; the form still carries it.
    await expect.poll(() => page.url()).toBe(`${server.baseUrl}/not-me`);
    await shot(page, "notme-1-form");
    await expectAccessible(page, "notme-1-form");
    // Opening the link (and the scanner-like GET above) changed nothing yet.
    expect(await signInStatus(email, password)).toBe(200);

    await page.getByRole("button", { name: "Lock my account" }).click();
    await expect.poll(() => h1(page)).toBe("Your account is locked");
    await shot(page, "notme-2-locked");
    await expectAccessible(page, "notme-2-locked");
    expect(await signInStatus(email, password)).toBe(423);

    await page.getByRole("link", { name: "Choose a new password" }).click();
    await page.waitForURL(/\/forgot-password/);
    expect(await h1(page)).toBe("Forgot your password?");
    expect(problems).toEqual([]);
  });
});
