import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  classOf,
  clickInMailbox,
  createUser,
  expectAccessible,
  fillPasswords,
  focused,
  h1,
  latestMail,
  launch,
  openPage,
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

const forgotUrl = () =>
  `${server.baseUrl}/forgot-password?client_id=${server.clientId}&redirect_uri=${encodeURIComponent(server.redirectUri)}`;

describe("reset journey in a real browser", () => {
  it("forgot form -> mailbox -> link -> form -> success -> redirect -> sign in (JavaScript on)", async () => {
    const email = uniqueEmail("journey");
    const oldPassword = "Old-Password-1234";
    await createUser(email, oldPassword);
    const { page, problems } = await openPage(browser);

    await page.goto(forgotUrl());
    expect(await page.title()).toBe("Forgot your password? · Acme Notes");
    expect(await focused(page)).toBe("email");
    await shot(page, "js-1-forgot");
    await expectAccessible(page);
    await page.getByLabel("Email address").fill(email);
    await page.getByRole("button", { name: "Send me a reset link" }).click();
    await expect.poll(() => h1(page)).toBe("Check your inbox");
    await shot(page, "js-2-sent");
    await expectAccessible(page);

    await clickInMailbox(page, email, "Choose a new password", "js-3-mailbox");
    // The script removed the token from the address bar and history.
    await expect.poll(() => page.url()).toBe(`${server.baseUrl}/reset-password`);
    expect(await focused(page)).toBe("password");
    await shot(page, "js-4-reset");
    await expectAccessible(page, "js-4-reset");

    // Live feedback mirrors the policy before anything is sent.
    await page.locator("#password").fill("short");
    expect(await classOf(page, '[data-rule="min"]')).not.toContain("ok");
    await page.locator("#password").fill("a much longer passphrase");
    expect(await classOf(page, '[data-rule="min"]')).toContain("ok");
    expect(await page.locator("#strength").isVisible()).toBe(true);

    // The server-only rule (common password) comes back inline, with focus on the field.
    await fillPasswords(page, "password123");
    await page.getByRole("button", { name: "Save new password" }).click();
    await expect.poll(() => page.locator("#summary").isVisible()).toBe(true);
    expect(await page.locator("#summary").textContent()).toContain("This password is too common");
    expect(await page.locator("#password").getAttribute("aria-invalid")).toBe("true");
    expect(await classOf(page, '[data-rule="common"]')).toContain("bad");
    expect(await focused(page)).toBe("password");
    await shot(page, "js-5-reset-errors");
    await expectAccessible(page, "js-5-reset-errors");

    await page.getByLabel("Show password").check();
    expect(await page.locator("#password").getAttribute("type")).toBe("text");
    await page.getByLabel("Show password").uncheck();

    const newPassword = "Brand-New-Passphrase-42";
    await fillPasswords(page, newPassword, "Brand-New-Passphrase-43");
    await page.getByRole("button", { name: "Save new password" }).click();
    expect(await page.locator("#confirm-error").textContent()).toBe("The two passwords do not match.");
    expect(await focused(page)).toBe("confirm");

    await fillPasswords(page, newPassword);
    await shot(page, "js-6-reset-filled");
    await page.getByRole("button", { name: "Save new password" }).click();
    await expect.poll(() => page.locator("#done").isVisible()).toBe(true);
    expect(await page.locator("#done h1").textContent()).toBe("Your password was changed");
    expect(await page.evaluate("document.activeElement.matches('#done h1')")).toBe(true);
    expect(await page.getByRole("link", { name: "Continue to Acme Notes" }).getAttribute("href")).toBe(
      server.redirectUri,
    );
    await shot(page, "js-7-done");
    await expectAccessible(page, "js-7-done");
    await page.waitForURL(server.redirectUri, { timeout: 15_000 });

    expect(await signInStatus(email, oldPassword)).toBe(401);
    expect(await signInStatus(email, newPassword)).toBe(200);

    // The "password changed" email says when, from which browser, and what to do.
    const changed = await latestMail(email);
    expect(changed.subject).toBe("Your Acme Notes password was changed");
    expect(changed.text).toMatch(/was changed on \w+ \d{1,2}, \d{4} at \d{1,2}:\d{2} [AP]M \(UTC\)/);
    expect(changed.text).toContain("Chrome, Linux");
    expect(changed.text).toContain("If this was not you");
    await page.goto(`${server.baseUrl}/dev/mailbox/${changed.id}/html`);
    await shot(page, "js-8-changed-email");
    expect(problems).toEqual([]);
  });

  it("works the same with JavaScript disabled: the server renders every result", async () => {
    const email = uniqueEmail("nojs");
    await createUser(email, "Old-Password-1234");
    const { page, problems } = await openPage(browser, { javaScriptEnabled: false });

    await page.goto(forgotUrl());
    await page.getByLabel("Email address").fill(email);
    await page.getByRole("button", { name: "Send me a reset link" }).click();
    await page.waitForURL(`${server.baseUrl}/forgot-password`);
    expect(await h1(page)).toBe("Check your inbox");
    await shot(page, "nojs-1-sent");

    await clickInMailbox(page, email, "Choose a new password");
    expect(page.url()).toContain("token=");
    expect(await page.locator("#show").isVisible()).toBe(false);
    await shot(page, "nojs-2-reset");

    await fillPasswords(page, "password123");
    await page.getByRole("button", { name: "Save new password" }).click();
    await page.waitForURL(`${server.baseUrl}/reset-password`);
    expect(await page.locator("#summary").textContent()).toContain("This password is too common");
    expect(await page.locator("#password").getAttribute("aria-invalid")).toBe("true");
    expect(await focused(page)).toBe("password");
    await shot(page, "nojs-3-errors");
    // axe needs script in the page: check the same server-rendered markup in a scripting browser.
    const { page: copy } = await openPage(browser);
    // From a page of the same origin, so the markup's /assets/ stylesheet and script resolve.
    await copy.goto(`${server.baseUrl}/healthz`);
    await copy.setContent(await page.content());
    await expectAccessible(copy);

    const newPassword = "No-Script-Passphrase-77";
    await fillPasswords(page, newPassword);
    await page.getByRole("button", { name: "Save new password" }).click();
    await expect.poll(() => h1(page)).toBe("Your password was changed");
    await shot(page, "nojs-4-done");
    // The <noscript> refresh takes the user back to the allowlisted app.
    await page.waitForURL(server.redirectUri, { timeout: 15_000 });
    expect(await signInStatus(email, newPassword)).toBe(200);
    expect(problems).toEqual([]);
  });

  it("speaks French when the browser asks for it (Accept-Language), emails included", async () => {
    const email = uniqueEmail("fr");
    await createUser(email, "Ancien-Mot-De-Passe-1");
    const { page, problems } = await openPage(browser, { locale: "fr-FR" });

    await page.goto(forgotUrl());
    expect(await page.locator("html").getAttribute("lang")).toBe("fr");
    expect(await h1(page)).toBe("Mot de passe oublié ?");
    await shot(page, "fr-1-forgot");
    await page.getByLabel("Adresse e-mail").fill(email);
    await page.getByRole("button", { name: "Recevoir un lien de réinitialisation" }).click();
    await expect.poll(() => h1(page)).toBe("Consultez votre boîte de réception");
    await shot(page, "fr-2-sent");

    await clickInMailbox(page, email, "Choisir un nouveau mot de passe", "fr-3-mailbox");
    expect(await h1(page)).toBe("Choisissez un nouveau mot de passe");
    await shot(page, "fr-4-reset");
    await expectAccessible(page);
    const newPassword = "Nouveau-Mot-De-Passe-9";
    await fillPasswords(page, newPassword);
    await page.getByRole("button", { name: "Enregistrer le mot de passe" }).click();
    await expect.poll(() => page.locator("#done h1").textContent()).toBe("Votre mot de passe a été modifié");
    await shot(page, "fr-5-done");
    expect(await signInStatus(email, newPassword)).toBe(200);
    expect(problems).toEqual([]);
  });
});
