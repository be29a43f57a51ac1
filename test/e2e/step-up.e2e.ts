import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fillPasswords, latestMail, launch, openPage, server, shot, signInStatus, uniqueEmail } from "./support";

// The product's side of step-up, as a product would build it: its page checks the user's second
// factor (here: it simply vouches), trades the challenge for a proof with its client credentials,
// server-side, and sends the user back to return_to with the proof.
let browser: Browser;
let product: Server;
let productUrl = "";
const creds = { id: "", secret: "" };
const seen: string[] = [];

beforeAll(async () => {
  browser = await launch();
  product = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    seen.push(url.toString());
    const answer = await fetch(`${server.baseUrl}/v1/password-resets/step-up`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Authorization: `Basic ${Buffer.from(`${creds.id}:${creds.secret}`).toString("base64")}`,
      },
      body: JSON.stringify({ challenge: url.searchParams.get("challenge") }),
    });
    const { stepUpToken } = (await answer.json()) as { stepUpToken: string };
    const back = new URL(url.searchParams.get("return_to")!);
    back.searchParams.set("step_up_token", stepUpToken);
    res.writeHead(303, { Location: back.toString() }).end();
  });
  await new Promise<void>((resolve) => product.listen(0, "127.0.0.1", resolve));
  productUrl = `http://127.0.0.1:${(product.address() as AddressInfo).port}/step-up`;
});
afterAll(async () => {
  await browser?.close();
  product?.close();
});

const admin = (path: string, body: unknown, method = "POST") =>
  fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${server.adminKey}` },
    body: JSON.stringify(body),
  });

describe("step-up before completion in a real browser", () => {
  it("sends the user through the product's step-up page and back to the form, then completes", async () => {
    const client = (await (
      await admin("/v1/clients", { name: "Step-up app", stepUp: { url: productUrl } })
    ).json()) as { clientId: string; clientSecret: string };
    creds.id = client.clientId;
    creds.secret = client.clientSecret;
    const email = uniqueEmail("stepup");
    expect((await admin("/v1/users", { email, password: "Old-Password-1234", mfa: true })).status).toBe(201);
    expect((await admin("/v1/password-resets", { email, clientId: client.clientId })).status).toBe(202);
    const link = /(https?:\/\/\S+token=[\w-]+)/.exec((await latestMail(email)).text)![1]!;

    const { page, problems } = await openPage(browser);
    await page.goto(link);
    await page.locator("#password").waitFor();
    // It went through the product, which never saw the reset token.
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toContain(new URL(link).searchParams.get("token")!);
    expect(page.url()).toContain("/reset-password/step-up");
    await shot(page, "stepup-1-form");
    const password = `Quiet-Harbor-${crypto.randomUUID().slice(0, 6)}-Lantern`;
    await fillPasswords(page, password);
    await page.getByRole("button", { name: "Save new password" }).click();
    await expect.poll(() => page.locator("#done").isVisible()).toBe(true);
    expect(await signInStatus(email, password)).toBe(200);
    expect(problems).toEqual([]);
  });
});
