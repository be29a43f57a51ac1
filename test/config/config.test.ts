import { exportJWK, generateKeyPair, type JWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, type Env, getConfig, parseConfig } from "../../src/config";
import { parseRateRule } from "../../src/config/rate-limits";
import { open, seal } from "../../src/crypto/envelope";
import { hmacHex } from "../../src/crypto/tokens";
import { RATE_LIMIT_BUCKETS } from "../../src/rate-limit";

const SECRET_KEY = "config-test-secret-0123456789abcdef-XYZ";
const ADMIN_API_KEY = "config-test-admin-key-QWERTY";
// Strong ones (production refuses the placeholder words above).
const PROD_SECRET_KEY = "cfg-Kq8Zr2Wv9Lm4Xp7Tn3Bd6Hj1Sf5Yc0Ge-XYZ";
const PROD_ADMIN_API_KEY = "rk_admin_cfg-Vn4Qx8Lp2Zk7Wm";
const MAIL_API_KEY = "re_config_test_mail_key_ZXCV";

let signingJwk: JWK;
let SIGNING_KEY: string;

beforeAll(async () => {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  signingJwk = await exportJWK(privateKey);
  SIGNING_KEY = JSON.stringify(signingJwk);
});

/** A complete, valid env built by hand; `over` replaces or (with undefined) removes entries. */
function makeEnv(over: Partial<Record<keyof Env, string | undefined>> = {}): Env {
  const env: Record<string, unknown> = {
    DB: {} as never,
    RATE_LIMIT_KV: {} as never,
    ENVIRONMENT: "development",
    PUBLIC_BASE_URL: "https://reset.example.test",
    MAIL_PROVIDER: "dev",
    ADMIN_API_KEY,
    SECRET_KEY,
    SIGNING_KEY,
  };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env as unknown as Env;
}

/** Runs parseConfig expecting a ConfigError, and returns it. */
async function configError(env: Env): Promise<ConfigError> {
  const err = await parseConfig(env).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "parseConfig should have failed").toBeInstanceOf(ConfigError);
  expect((err as Error).name).toBe("ConfigError");
  return err as ConfigError;
}

/** No secret value (nor a recognisable chunk of one) appears in the message. */
function expectNoSecrets(message: string, ...extra: string[]) {
  for (const v of [SECRET_KEY, ADMIN_API_KEY, MAIL_API_KEY, SIGNING_KEY, signingJwk.d!, signingJwk.x!, ...extra]) {
    expect(message).not.toContain(v);
    expect(message).not.toContain(v.slice(0, 12));
  }
}

describe("parseConfig: a valid env", () => {
  it("parses into a typed config with defaults", async () => {
    const c = await parseConfig(makeEnv({ PUBLIC_BASE_URL: "https://reset.example.test//" }));
    expect(c.environment).toBe("development");
    expect(c.publicBaseUrl).toBe("https://reset.example.test");
    expect(c.defaultClientId).toBe("default");
    expect(c.adminApiKey).toBe(ADMIN_API_KEY);
    expect(c.passwordHashIterations).toBe(600_000);
    expect([...c.dialects].sort()).toEqual(["nestauth", "nexudus", "nexus", "singularity"]);
    expect(c.mail).toEqual({
      provider: "dev",
      from: "resetkit <no-reply@example.com>",
      apiBaseUrl: "https://api.resend.com",
      apiKey: "",
    });
    expect(c.signing.active.alg).toBe("ES256");
    expect(c.rateLimits).toEqual({
      resetPerEmail: { limit: 5, windowSeconds: 900 },
      resetPerIp: { limit: 30, windowSeconds: 900 },
      verifyPerIp: { limit: 30, windowSeconds: 900 },
      completePerIp: { limit: 30, windowSeconds: 900 },
      signInPerAccount: { limit: 10, windowSeconds: 900 },
      signInPerIp: { limit: 100, windowSeconds: 900 },
      policyCheckPerIp: { limit: 120, windowSeconds: 900 },
      signInPerAccountTotal: { limit: 100, windowSeconds: 86_400 },
      resetEmailsPerAddress: { limit: 10, windowSeconds: 86_400 },
      pagesPerIp: { limit: 300, windowSeconds: 900 },
      cooldownPerIp: { limit: 30, windowSeconds: 900 },
      adminWritesPerTenant: { limit: 300, windowSeconds: 60 },
    });
    expect(c.quotas).toEqual({ users: 100_000, clients: 50, apiKeys: 25, importsPerDay: 50 });
    expect(c.outboxBatch).toBe(25);
    expect(c.outboxWebhookBatch).toBe(10);
    expect(c.outboxQuickRetries).toEqual([1000, 3000]);
  });

  it("reads PASSWORD_HASH_ITERATIONS and rejects values out of range, naming the variable", async () => {
    expect((await parseConfig(makeEnv({ PASSWORD_HASH_ITERATIONS: "20000" }))).passwordHashIterations).toBe(20_000);
    expect((await parseConfig(makeEnv({ PASSWORD_HASH_ITERATIONS: "" }))).passwordHashIterations).toBe(600_000);
    for (const bad of ["999", "abc", "1.5e3x", "10000001"]) {
      expect((await configError(makeEnv({ PASSWORD_HASH_ITERATIONS: bad }))).message).toContain(
        "PASSWORD_HASH_ITERATIONS",
      );
    }
  });

  it("requires an http(s) PUBLIC_BASE_URL", async () => {
    expect((await configError(makeEnv({ PUBLIC_BASE_URL: undefined }))).message).toContain("PUBLIC_BASE_URL");
    expect((await configError(makeEnv({ PUBLIC_BASE_URL: "ftp://x.example" }))).message).toContain("PUBLIC_BASE_URL");
  });
});

describe("parseConfig: secrets", () => {
  for (const name of ["SECRET_KEY", "ADMIN_API_KEY", "SIGNING_KEY"] as const) {
    it(`a missing ${name} throws a ConfigError naming it, without leaking any secret`, async () => {
      for (const env of [makeEnv({ [name]: undefined }), makeEnv({ [name]: "" })]) {
        const err = await configError(env);
        expect(err.message).toContain(name);
        expectNoSecrets(err.message);
      }
    });

    it(`a too-short ${name} throws a ConfigError naming it and not the value`, async () => {
      const value = `${name.slice(0, 4)}-tooshort`; // 13 chars: under every minimum (16, 32, 20)
      const err = await configError(makeEnv({ [name]: value }));
      expect(err.message).toContain(name);
      expect(err.message).not.toContain(value);
      expectNoSecrets(err.message);
    });
  }

  it("a malformed SIGNING_KEY names SIGNING_KEY and not the key material", async () => {
    const pub = { ...signingJwk };
    delete pub.d;
    const { privateKey: p384 } = await generateKeyPair("ES384", { extractable: true });
    const p384Jwk = await exportJWK(p384);
    const cases: [string, string[]][] = [
      ["this is definitely not a JWK at all", ["definitely"]],
      [JSON.stringify(pub), [pub.x!, pub.y!]],
      [JSON.stringify(p384Jwk), [p384Jwk.d!, p384Jwk.x!]],
      [JSON.stringify({ keys: [] }), []],
      [JSON.stringify({ ...signingJwk, d: `AAAA${signingJwk.d!.slice(4, 20)}` }), [signingJwk.d!.slice(4, 20)]],
    ];
    for (const [value, fragments] of cases) {
      const err = await configError(makeEnv({ SIGNING_KEY: value }));
      expect(err.message, value).toContain("SIGNING_KEY");
      expect(err.message).not.toContain(value);
      expectNoSecrets(err.message, ...fragments);
    }
  });

  it("MAIL_PROVIDER=resend without MAIL_API_KEY fails naming MAIL_API_KEY", async () => {
    for (const env of [
      makeEnv({ MAIL_PROVIDER: "resend" }),
      makeEnv({ MAIL_PROVIDER: "resend", MAIL_API_KEY: "" }),
      makeEnv({ MAIL_PROVIDER: undefined }), // the default provider is resend
    ]) {
      const err = await configError(env);
      expect(err.message).toContain("MAIL_API_KEY");
      expectNoSecrets(err.message);
    }
    const c = await parseConfig(
      makeEnv({ MAIL_PROVIDER: "resend", MAIL_API_KEY, MAIL_API_BASE_URL: "https://mail.example/api/" }),
    );
    expect(c.mail).toMatchObject({ provider: "resend", apiKey: MAIL_API_KEY, apiBaseUrl: "https://mail.example/api" });
  });

  it("MAIL_PROVIDER=dev is refused in production, and unknown providers are refused", async () => {
    const strong = { SECRET_KEY: PROD_SECRET_KEY, ADMIN_API_KEY: PROD_ADMIN_API_KEY };
    expect((await configError(makeEnv({ ENVIRONMENT: "production", ...strong }))).message).toContain("MAIL_PROVIDER");
    // ENVIRONMENT defaults to production.
    expect((await configError(makeEnv({ ENVIRONMENT: undefined, ...strong }))).message).toContain("MAIL_PROVIDER");
    expect((await configError(makeEnv({ MAIL_PROVIDER: "sendgrid" }))).message).toContain("MAIL_PROVIDER");
    expect(
      (
        await parseConfig(
          makeEnv({
            ENVIRONMENT: "production",
            MAIL_PROVIDER: "resend",
            MAIL_API_KEY,
            SECRET_KEY: PROD_SECRET_KEY,
            ADMIN_API_KEY: PROD_ADMIN_API_KEY,
          }),
        )
      ).environment,
    ).toBe("production");
  });
});

describe("parseConfig: production refuses an unsafe configuration", () => {
  const prod = (over: Partial<Record<keyof Env, string | undefined>> = {}) =>
    makeEnv({
      ENVIRONMENT: "production",
      MAIL_PROVIDER: "resend",
      MAIL_API_KEY,
      SECRET_KEY: PROD_SECRET_KEY,
      ADMIN_API_KEY: PROD_ADMIN_API_KEY,
      ...over,
    });

  it("accepts a safe one", async () => {
    expect((await parseConfig(prod())).environment).toBe("production");
  });

  it("an http:// or localhost PUBLIC_BASE_URL (links in emails would be cleartext or dead)", async () => {
    for (const url of [
      "http://reset.example.com",
      "https://localhost:8787",
      "https://127.0.0.1",
      "https://[::1]:8787",
      "https://app.localhost",
      "https://0.0.0.0",
    ]) {
      const err = await configError(prod({ PUBLIC_BASE_URL: url }));
      expect(err.message, url).toContain("PUBLIC_BASE_URL");
    }
    // Development and preview keep what they have.
    expect((await parseConfig(makeEnv({ PUBLIC_BASE_URL: "http://localhost:8787" }))).publicBaseUrl).toBe(
      "http://localhost:8787",
    );
  });

  it("PASSWORD_HASH_ITERATIONS below OWASP's 600,000, unless ALLOW_LOW_HASH_ITERATIONS=true", async () => {
    const err = await configError(prod({ PASSWORD_HASH_ITERATIONS: "310000" }));
    expect(err.message).toContain("PASSWORD_HASH_ITERATIONS");
    expect(err.message).toContain("ALLOW_LOW_HASH_ITERATIONS");
    const allowed = await parseConfig(prod({ PASSWORD_HASH_ITERATIONS: "310000", ALLOW_LOW_HASH_ITERATIONS: "true" }));
    expect(allowed.passwordHashIterations).toBe(310_000);
    expect((await configError(prod({ ALLOW_LOW_HASH_ITERATIONS: "yes" }))).message).toContain(
      "ALLOW_LOW_HASH_ITERATIONS",
    );
  });

  it("weak, placeholder or reused secrets, naming the secret and never its value", async () => {
    const cases: [keyof Env, string][] = [
      ["ADMIN_API_KEY", "test-admin-key-0123456789"], // vitest.config.ts's: public
      ["ADMIN_API_KEY", "changeme-changeme-changeme"],
      ["ADMIN_API_KEY", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"],
      ["ADMIN_API_KEY", "abcabcabcabcabcabcabcabcabcabcab"],
      ["ADMIN_API_KEY", PROD_SECRET_KEY],
      ["SECRET_KEY", "test-secret-key-0123456789abcdef0123456789abcdef"],
      ["SECRET_KEY", "my-super-secret-password-for-resetkit"],
      ["SECRET_KEY", "0123456701234567012345670123456701234567"],
    ];
    for (const [name, value] of cases) {
      const err = await configError(prod({ [name]: value }));
      expect(err.message, value).toContain(name);
      expect(err.message).not.toContain(value);
      expectNoSecrets(err.message, value.slice(0, 12));
    }
    // Random values of any alphabet pass (hex too).
    const hex = [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect((await parseConfig(prod({ SECRET_KEY: hex }))).environment).toBe("production");
  });

  it("the dev mailbox outside development: MAIL_PROVIDER=dev captures live reset links", async () => {
    for (const environment of ["production", "preview"]) {
      const err = await configError(
        makeEnv({
          ENVIRONMENT: environment,
          MAIL_PROVIDER: "dev",
          SECRET_KEY: PROD_SECRET_KEY,
          ADMIN_API_KEY: PROD_ADMIN_API_KEY,
        }),
      );
      expect(err.message).toContain("MAIL_PROVIDER");
      expect(err.message).toContain("development");
    }
    const fallback = await configError(
      makeEnv({ ENVIRONMENT: "preview", MAIL_PROVIDER: "resend", MAIL_API_KEY, MAIL_FALLBACK_PROVIDER: "dev" }),
    );
    expect(fallback.message).toContain("MAIL_FALLBACK_PROVIDER");
  });
});

describe("parseConfig: RATE_LIMITS", () => {
  it("an unknown bucket is an error naming the bucket", async () => {
    const err = await configError(
      makeEnv({ RATE_LIMITS: JSON.stringify({ resetPerIp: "5/1m", resetPerPlanet: "5/1m" }) }),
    );
    expect(err.message).toContain("RATE_LIMITS");
    expect(err.message).toContain("resetPerPlanet");
  });

  it("a partial override keeps the defaults of the other buckets", async () => {
    const c = await parseConfig(
      makeEnv({ RATE_LIMITS: JSON.stringify({ signInPerIp: "7/1h", resetPerEmail: "2/d" }) }),
    );
    expect(c.rateLimits).toEqual({
      resetPerEmail: { limit: 2, windowSeconds: 86_400 },
      resetPerIp: { limit: 30, windowSeconds: 900 },
      verifyPerIp: { limit: 30, windowSeconds: 900 },
      completePerIp: { limit: 30, windowSeconds: 900 },
      signInPerAccount: { limit: 10, windowSeconds: 900 },
      signInPerIp: { limit: 7, windowSeconds: 3_600 },
      policyCheckPerIp: { limit: 120, windowSeconds: 900 },
      signInPerAccountTotal: { limit: 100, windowSeconds: 86_400 },
      resetEmailsPerAddress: { limit: 10, windowSeconds: 86_400 },
      pagesPerIp: { limit: 300, windowSeconds: 900 },
      cooldownPerIp: { limit: 30, windowSeconds: 900 },
      adminWritesPerTenant: { limit: 300, windowSeconds: 60 },
    });
    expect(Object.keys(c.rateLimits).sort()).toEqual([...RATE_LIMIT_BUCKETS].sort());
  });

  it("empty or absent means all defaults", async () => {
    const a = await parseConfig(makeEnv({ RATE_LIMITS: "" }));
    const b = await parseConfig(makeEnv({ RATE_LIMITS: "{}" }));
    expect(a.rateLimits.signInPerIp).toEqual({ limit: 100, windowSeconds: 900 });
    expect(b.rateLimits).toEqual(a.rateLimits);
  });

  it("a malformed rule names its bucket; non-JSON and non-objects name RATE_LIMITS", async () => {
    for (const bad of ["lots", "5/15", "0/15m", 5]) {
      const err = await configError(makeEnv({ RATE_LIMITS: JSON.stringify({ verifyPerIp: bad }) }));
      expect(err.message, String(bad)).toContain("verifyPerIp");
    }
    for (const bad of ["{not json", "[]", "null", '"5/15m"']) {
      expect((await configError(makeEnv({ RATE_LIMITS: bad }))).message, bad).toContain("RATE_LIMITS");
    }
  });
});

describe("parseRateRule", () => {
  it("parses N/window with s, m, h and d units", () => {
    expect(parseRateRule("5/15m")).toEqual({ limit: 5, windowSeconds: 900 });
    expect(parseRateRule("100/1s")).toEqual({ limit: 100, windowSeconds: 1 });
    expect(parseRateRule("10/h")).toEqual({ limit: 10, windowSeconds: 3_600 });
    expect(parseRateRule("3/2d")).toEqual({ limit: 3, windowSeconds: 172_800 });
    expect(parseRateRule(" 5/15m ")).toEqual({ limit: 5, windowSeconds: 900 });
  });

  it("returns null for anything else", () => {
    for (const bad of [
      "",
      "5",
      "5/",
      "/15m",
      "5/15",
      "5/15x",
      "0/15m",
      "5/0m",
      "-1/15m",
      "five/15m",
      "5/15M",
      "5 / 15m",
      "5/1.5m",
    ]) {
      expect(parseRateRule(bad), bad).toBeNull();
    }
  });
});

describe("parseConfig: TENANT_QUOTAS and the outbox batches", () => {
  it("merges quotas onto the defaults; an unknown quota or a bad number names TENANT_QUOTAS", async () => {
    const c = await parseConfig(makeEnv({ TENANT_QUOTAS: JSON.stringify({ users: 5000 }) }));
    expect(c.quotas).toMatchObject({ users: 5000, clients: 50 });
    for (const bad of [
      "{",
      "[]",
      JSON.stringify({ planets: 1 }),
      JSON.stringify({ users: -1 }),
      JSON.stringify({ users: "9" }),
    ]) {
      expect((await configError(makeEnv({ TENANT_QUOTAS: bad }))).message, bad).toContain("TENANT_QUOTAS");
    }
  });

  it("OUTBOX_BATCH is 1-500 and OUTBOX_WEBHOOK_BATCH 0-500", async () => {
    const c = await parseConfig(makeEnv({ OUTBOX_BATCH: "40", OUTBOX_WEBHOOK_BATCH: "0" }));
    expect([c.outboxBatch, c.outboxWebhookBatch]).toEqual([40, 0]);
    for (const [name, value] of [
      ["OUTBOX_BATCH", "0"],
      ["OUTBOX_BATCH", "501"],
      ["OUTBOX_WEBHOOK_BATCH", "-1"],
      ["OUTBOX_WEBHOOK_BATCH", "x"],
    ] as const) {
      expect((await configError(makeEnv({ [name]: value }))).message).toContain(name);
    }
  });

  it("OUTBOX_QUICK_RETRIES is off or up to 3 waits of 0-9999 ms", async () => {
    const waits = async (v: string) => (await parseConfig(makeEnv({ OUTBOX_QUICK_RETRIES: v }))).outboxQuickRetries;
    expect(await waits("off")).toEqual([]);
    expect(await waits("0")).toEqual([0]);
    expect(await waits("500,2000,9999")).toEqual([500, 2000, 9999]);
    expect(await waits("")).toEqual([1000, 3000]);
    for (const bad of ["1,2,3,4", "10000", "-1", "1.5", "1, 2", "none", "1,"]) {
      expect((await configError(makeEnv({ OUTBOX_QUICK_RETRIES: bad }))).message, bad).toContain(
        "OUTBOX_QUICK_RETRIES",
      );
    }
  });
});

describe("parseConfig: COMPAT_DIALECTS", () => {
  it("an unknown dialect fails naming it", async () => {
    const err = await configError(makeEnv({ COMPAT_DIALECTS: "nexudus, keycloak" }));
    expect(err.message).toContain("COMPAT_DIALECTS");
    expect(err.message).toContain("keycloak");
  });

  it("a subset is honoured (whitespace tolerated)", async () => {
    const c = await parseConfig(makeEnv({ COMPAT_DIALECTS: " nexus , nestauth," }));
    expect([...c.dialects].sort()).toEqual(["nestauth", "nexus"]);
  });
});

describe("parseConfig: sub-keys derived from SECRET_KEY", () => {
  const MSG = "123456";

  it("differ per purpose", async () => {
    const { keys } = await parseConfig(makeEnv());
    const macs = await Promise.all([hmacHex(keys.code, MSG), hmacHex(keys.lookup, MSG), hmacHex(keys.pepper, MSG)]);
    expect(new Set(macs).size).toBe(3);
    expect(keys.pepperId).toMatch(/^[0-9a-f]{8}$/);
  });

  it("are deterministic for the same SECRET_KEY (HKDF-SHA256, salt resetkit/v1; expected values computed in Node)", async () => {
    const a = (await parseConfig(makeEnv())).keys;
    const b = (await parseConfig(makeEnv())).keys;
    expect(a.pepperId).toBe(b.pepperId);
    // Changing these would orphan every stored password hash and pending code: pin them.
    expect(a.pepperId).toBe("28b82516");
    expect(await hmacHex(a.code, MSG)).toBe("f7f0da0522a0dc6a80fa3edf84df1fcc8bbca71688bb0163893e17af6e00b96b");
    expect(await hmacHex(a.lookup, MSG)).toBe("1ec933217d31de4cc0afbbe00d2363e2bee75aa9f6e3624780a88c4b64fd605e");
    expect(await hmacHex(a.pepper, MSG)).toBe("d05583cf2f9172191c5a4fc9f0de3b64526d4eb27736716bdc2925608a53f231");
    expect(await hmacHex(b.code, MSG)).toBe(await hmacHex(a.code, MSG));
    expect(await hmacHex(b.lookup, MSG)).toBe(await hmacHex(a.lookup, MSG));
    // The outbox key too: what one parse seals, another opens.
    expect(await open(b.outbox, await seal(a.outbox, { x: 1 }, "row"), "row")).toEqual({ x: 1 });
  });

  it("change with SECRET_KEY", async () => {
    const a = (await parseConfig(makeEnv())).keys;
    const b = (await parseConfig(makeEnv({ SECRET_KEY: `${SECRET_KEY}!` }))).keys;
    expect(b.pepperId).not.toBe(a.pepperId);
    expect(await hmacHex(b.code, MSG)).not.toBe(await hmacHex(a.code, MSG));
    expect(await hmacHex(b.lookup, MSG)).not.toBe(await hmacHex(a.lookup, MSG));
    expect(await hmacHex(b.pepper, MSG)).not.toBe(await hmacHex(a.pepper, MSG));
    await expect(open(b.outbox, await seal(a.outbox, { x: 1 }, "row"), "row")).rejects.toThrow();
  });

  it("are not extractable", async () => {
    const { keys } = await parseConfig(makeEnv());
    for (const k of [keys.pepper, keys.code, keys.lookup, keys.outbox]) expect(k.extractable).toBe(false);
  });
});

describe("getConfig", () => {
  it("parses once per env object and retries after a failure", async () => {
    const env = makeEnv();
    const p = getConfig(env);
    expect(getConfig(env)).toBe(p);
    expect(await p).toBe(await getConfig(env));
    expect(getConfig(makeEnv())).not.toBe(p);

    const bad = makeEnv({ SECRET_KEY: undefined });
    await expect(getConfig(bad)).rejects.toBeInstanceOf(ConfigError);
    bad.SECRET_KEY = SECRET_KEY;
    expect((await getConfig(bad)).keys.pepperId).toBe("28b82516");
  });
});

describe("parseConfig: MAIL_EVENT_SECRETS", () => {
  const ok = {
    resend: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    mailgun: "key-0123456789abcdef",
    sendgrid: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE0123456789abcdefghij",
    postmark: "hooks:long-password-1",
    brevo: "bearer-token-0123456789",
    ses: { topicArns: ["arn:aws:sns:eu-west-1:123456789012:ses-events"] },
  };

  it("takes an entry per provider; absent or empty means none", async () => {
    expect((await parseConfig(makeEnv({ MAIL_EVENT_SECRETS: JSON.stringify(ok) }))).mailEvents).toEqual(ok);
    expect((await parseConfig(makeEnv({ MAIL_EVENT_SECRETS: "" }))).mailEvents).toEqual({});
    expect((await parseConfig(makeEnv())).mailEvents).toEqual({});
  });

  it("an unknown provider, a malformed entry or non-JSON names MAIL_EVENT_SECRETS, never the value", async () => {
    for (const bad of [
      "{",
      "[]",
      JSON.stringify({ sparkpost: "x" }),
      JSON.stringify({ resend: "not-a-whsec-secret" }),
      JSON.stringify({ postmark: "no-colon-here" }),
      JSON.stringify({ ses: { topicArns: [] } }),
      JSON.stringify({ ses: { topicArns: ["arn:aws:s3:::bucket"] } }),
      JSON.stringify({ mailgun: 42 }),
    ]) {
      const err = await configError(makeEnv({ MAIL_EVENT_SECRETS: bad }));
      expect(err.message, bad).toContain("MAIL_EVENT_SECRETS");
      expect(err.message).not.toContain("not-a-whsec-secret");
    }
  });
});
