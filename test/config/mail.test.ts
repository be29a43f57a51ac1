import { describe, expect, it } from "vitest";
import { ConfigError, type Env, parseConfig } from "../../src/config";
import { MAIL_PROVIDERS } from "../../src/mail";

const SECRETS = { ADMIN_API_KEY: "mail-cfg-admin-key-Qz8Wx4", SECRET_KEY: "mail-cfg-Vb7Nm3Kq9Zr2Lt5Hj8Wd1Xs6Pf4Yg0" };
const binding = { send: async () => ({ messageId: "x" }) } as unknown as SendEmail;

async function envWithKey(over: Record<string, unknown>): Promise<Env> {
  const { generateKeyPair, exportJWK } = await import("jose");
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  return {
    DB: {} as never,
    RATE_LIMIT_KV: {} as never,
    ENVIRONMENT: "production",
    PUBLIC_BASE_URL: "https://reset.example.test",
    SIGNING_KEY: JSON.stringify(await exportJWK(privateKey)),
    ...SECRETS,
    ...over,
  } as Env;
}
const parse = async (over: Record<string, unknown>) => parseConfig(await envWithKey(over));
async function errorOf(over: Record<string, unknown>): Promise<string> {
  const err = await parse(over).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as Error).message;
}

describe("mail configuration", () => {
  it("knows every provider, each with its default base URL and the credential it needs", async () => {
    expect([...MAIL_PROVIDERS]).toEqual([
      "dev",
      "resend",
      "postmark",
      "sendgrid",
      "mailgun",
      "brevo",
      "ses",
      "cloudflare",
    ]);
    const urls: Record<string, string> = {
      resend: "https://api.resend.com",
      postmark: "https://api.postmarkapp.com",
      sendgrid: "https://api.sendgrid.com",
      mailgun: "https://api.mailgun.net",
      brevo: "https://api.brevo.com",
      ses: "https://email.eu-central-1.amazonaws.com",
    };
    for (const [provider, url] of Object.entries(urls)) {
      const c = await parse({ MAIL_PROVIDER: provider, MAIL_API_KEY: "AKID:secret", MAIL_SES_REGION: "eu-central-1" });
      expect(c.mail.apiBaseUrl, provider).toBe(url);
      expect(await errorOf({ MAIL_PROVIDER: provider, MAIL_SES_REGION: "eu-central-1" }), provider).toContain(
        "MAIL_API_KEY",
      );
    }
    expect((await parse({ MAIL_PROVIDER: "cloudflare", EMAIL: binding })).mail.provider).toBe("cloudflare");
    expect(await errorOf({ MAIL_PROVIDER: "cloudflare" })).toMatch(/send_email binding EMAIL/);
  });

  it("ses needs ACCESS_KEY_ID:SECRET and a region; the message never shows the key", async () => {
    const bad = "AKIDONLYNOSECRET";
    const msg = await errorOf({ MAIL_PROVIDER: "ses", MAIL_API_KEY: bad, MAIL_SES_REGION: "eu-west-1" });
    expect(msg).toContain("MAIL_API_KEY");
    expect(msg).not.toContain(bad);
    expect(await errorOf({ MAIL_PROVIDER: "ses", MAIL_API_KEY: "AKID:secret" })).toContain("MAIL_SES_REGION");
    expect(await errorOf({ MAIL_PROVIDER: "ses", MAIL_API_KEY: "AKID:secret", MAIL_SES_REGION: "mars" })).toContain(
      "MAIL_SES_REGION",
    );
  });

  it("mailgun takes MAIL_MAILGUN_DOMAIN, else the domain of MAIL_FROM; postmark's stream defaults to outbound", async () => {
    const base = { MAIL_PROVIDER: "mailgun", MAIL_API_KEY: "key-1" };
    const fromMailFrom = await parse({ ...base, MAIL_FROM: "Acme <no-reply@Mail.Acme.test>" });
    expect(fromMailFrom.mailOptions.mailgunDomain).toBe("mail.acme.test");
    expect((await parse({ ...base, MAIL_MAILGUN_DOMAIN: "mg.acme.test" })).mailOptions.mailgunDomain).toBe(
      "mg.acme.test",
    );
    expect(await errorOf({ ...base, MAIL_FROM: "no domain here", MAIL_MAILGUN_DOMAIN: "" })).toContain(
      "MAIL_MAILGUN_DOMAIN",
    );
    expect((await parse({ MAIL_PROVIDER: "postmark", MAIL_API_KEY: "t" })).mailOptions.postmarkStream).toBe("outbound");
    const badUrl = { MAIL_PROVIDER: "resend", MAIL_API_KEY: "k", MAIL_API_BASE_URL: "api.resend.com" };
    expect(await errorOf(badUrl)).toContain("MAIL_API_BASE_URL");
  });

  it("an optional fallback provider with its own key, base URL and switch point", async () => {
    const primary = { MAIL_PROVIDER: "resend", MAIL_API_KEY: "re_key" };
    expect((await parse(primary)).mailFallback).toBeNull();
    const c = await parse({
      ...primary,
      MAIL_FALLBACK_PROVIDER: "postmark",
      MAIL_FALLBACK_API_KEY: "pm",
      MAIL_FALLBACK_API_BASE_URL: "https://pm.example/",
    });
    expect(c.mailFallback).toEqual({ provider: "postmark", apiKey: "pm", apiBaseUrl: "https://pm.example", after: 3 });
    const five = await parse({
      ...primary,
      MAIL_FALLBACK_PROVIDER: "sendgrid",
      MAIL_FALLBACK_API_KEY: "sg",
      MAIL_FALLBACK_AFTER: "5",
    });
    expect(five.mailFallback?.after).toBe(5);
    expect(await errorOf({ ...primary, MAIL_FALLBACK_PROVIDER: "postmark" })).toContain("MAIL_FALLBACK_API_KEY");
    expect(await errorOf({ ...primary, MAIL_FALLBACK_PROVIDER: "pigeon" })).toContain("MAIL_FALLBACK_PROVIDER");
    expect(await errorOf({ ...primary, MAIL_FALLBACK_PROVIDER: "resend", MAIL_FALLBACK_API_KEY: "x" })).toContain(
      "MAIL_FALLBACK_PROVIDER",
    );
    expect(await errorOf({ ...primary, MAIL_FALLBACK_PROVIDER: "dev" })).toContain("MAIL_FALLBACK_PROVIDER=dev");
    for (const after of ["0", "8", "two", "-1"]) {
      const bad = {
        ...primary,
        MAIL_FALLBACK_PROVIDER: "brevo",
        MAIL_FALLBACK_API_KEY: "b",
        MAIL_FALLBACK_AFTER: after,
      };
      expect(await errorOf(bad), after).toContain("MAIL_FALLBACK_AFTER");
    }
  });

  it("AUDIT_RETENTION_DAYS defaults to 400 and must be a positive whole number", async () => {
    const primary = { MAIL_PROVIDER: "resend", MAIL_API_KEY: "re_key" };
    expect((await parse(primary)).auditRetentionDays).toBe(400);
    expect((await parse({ ...primary, AUDIT_RETENTION_DAYS: "30" })).auditRetentionDays).toBe(30);
    for (const bad of ["0", "1.5", "forever"]) {
      expect(await errorOf({ ...primary, AUDIT_RETENTION_DAYS: bad }), bad).toContain("AUDIT_RETENTION_DAYS");
    }
  });
});
