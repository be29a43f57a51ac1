import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `npm run dev` itself (scripts/dev.mjs, not the globalSetup's server): with wrangler's --env-file,
// the vars in that file win over the dev-mailbox defaults, so MAIL_PROVIDER=resend sends real mail,
// here to a fake Resend API on loopback. The repository's own .dev.vars must stay untouched.

const root = fileURLToPath(new URL("../..", import.meta.url));
const repoDevVars = join(root, ".dev.vars");

interface SentMail {
  auth: string | undefined;
  body: { from: string; to: string[]; subject: string; text: string; html: string };
}

/** A port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Resend's POST /emails, recorded: 200 {"id"} for every message. */
function fakeResend(sent: SentMail[]): Promise<Server> {
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/emails") {
        res.writeHead(404).end();
        return;
      }
      sent.push({ auth: req.headers.authorization, body: JSON.parse(raw) as SentMail["body"] });
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ id: `fake_${sent.length}` }));
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Size, mtime and content of a file, or null when it does not exist. */
const snapshot = (path: string) =>
  existsSync(path) ? { mtimeMs: statSync(path).mtimeMs, text: readFileSync(path, "utf8") } : null;

const sent: SentMail[] = [];
const repoDevVarsBefore = snapshot(repoDevVars);
const adminKey = `rk_admin_${randomBytes(24).toString("base64url")}`;
const secretKey = randomBytes(48).toString("base64url");
let mailApi: Server;
let dir: string;
let varsFile: string;
let varsText: string;
let baseUrl: string;
let dev: ChildProcess;
let output = "";

/** Everything the dev command printed, for failure messages. */
const printed = () => `--- npm run dev output ---\n${output.slice(-6000)}`;

async function waitForHealth(ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (dev.exitCode !== null || dev.signalCode !== null) throw new Error(`dev.mjs exited early\n${printed()}`);
    const ok = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no answer on ${baseUrl}/healthz within ${ms} ms\n${printed()}`);
}

beforeAll(async () => {
  mailApi = await fakeResend(sent);
  const mailPort = (mailApi.address() as AddressInfo).port;
  dir = mkdtempSync(join(tmpdir(), "resetkit-dev-command-"));
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  varsFile = join(dir, "dev.env");
  const signingKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  // Single quotes: dotenv keeps the JSON verbatim.
  varsText = [
    `ADMIN_API_KEY='${adminKey}'`,
    `SECRET_KEY='${secretKey}'`,
    `SIGNING_KEY='${JSON.stringify(signingKey)}'`,
    "MAIL_PROVIDER=resend",
    "MAIL_API_KEY=re_test",
    `MAIL_API_BASE_URL=http://127.0.0.1:${mailPort}`,
    "ENVIRONMENT=development",
    `PUBLIC_BASE_URL=${baseUrl}`,
    "",
  ].join("\n");
  writeFileSync(varsFile, varsText);

  const args = ["scripts/dev.mjs", "--", "--port", String(port), "--ip", "127.0.0.1", "--env-file", varsFile];
  args.push("--persist-to", join(dir, "state"), "--inspector-port", String(await freePort()));
  args.push("--show-interactive-dev-session=false");
  // Its own process group: afterAll ends dev.mjs, wrangler and workerd together.
  const env = { ...process.env, NO_COLOR: "1" };
  dev = spawn(process.execPath, args, { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"], env });
  dev.stdout!.on("data", (chunk) => (output += chunk));
  dev.stderr!.on("data", (chunk) => (output += chunk));
  await waitForHealth(150_000);
}, 180_000);

afterAll(async () => {
  if (dev?.pid !== undefined) {
    try {
      process.kill(-dev.pid, "SIGTERM");
    } catch {
      // already gone
    }
    // Until the whole group is gone (workerd included), then SIGKILL whatever is left.
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(-dev.pid, 0);
      } catch {
        break;
      }
      if (i === 99) process.kill(-dev.pid, "SIGKILL");
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await new Promise((r) => mailApi?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(baseUrl + path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("npm run dev with --env-file", () => {
  it("sends the reset email through the provider the vars file names", async () => {
    const email = `dev-command.${randomBytes(4).toString("hex")}@example.com`;
    const created = await post("/v1/users", { email }, { Authorization: `Bearer ${adminKey}` });
    expect(created.status, printed()).toBe(201);
    expect((await post("/v1/password-resets", { email })).status).toBe(202);

    // The email leaves in waitUntil, after the 202.
    const arrived = () => sent.some((m) => m.body.to.includes(email));
    await expect.poll(arrived, { timeout: 20_000, interval: 200 }).toBe(true);
    const mail = sent.find((m) => m.body.to.includes(email))!;
    expect(mail.auth).toBe("Bearer re_test");
    expect(mail.body.text).toContain("token=");
    expect(mail.body.text).toContain(`${baseUrl}/`);
  });

  it("prints where mail goes and no secret but the admin key", () => {
    expect(output).toContain(`resend via http://127.0.0.1:${(mailApi.address() as AddressInfo).port}`);
    expect(output).not.toContain("Dev mailbox");
    expect(output).toContain(`Admin API key  ${adminKey}`);
    expect(output).not.toContain(secretKey);
    expect(output).not.toContain("Note: PUBLIC_BASE_URL");
  });

  it("leaves a complete vars file and the repository's .dev.vars alone", () => {
    expect(readFileSync(varsFile, "utf8")).toBe(varsText);
    expect(output).toContain("using existing");
    expect(snapshot(repoDevVars)).toEqual(repoDevVarsBefore);
  });
});
