import { beforeEach, describe, expect, it } from "vitest";
import {
  api,
  codeOf,
  envWith,
  mailTo,
  me,
  newClient,
  newTenant,
  newUser,
  resetMail,
  rows,
  runCron,
  strongPassword,
  type TestTenant,
} from "../../helpers";

// Forced reset after a breach: PATCH /v1/users/{id} {mustResetPassword}, POST /v1/users/force-reset
// and the cron that works through its jobs (src/flows/force-reset.ts).

// Each test counts what one cron run does: jobs left running by an earlier test of this file (its own
// database) must not take a share of the budget.
beforeEach(async () => {
  await rows("UPDATE force_reset_jobs SET status = 'done'");
});

const signIn = (email: string, password: string, clientId: string) =>
  api("/v1/sessions", { json: { email, password, clientId } });

/** A tenant with a client and `n` users with passwords. */
async function tenantWithUsers(n: number, name = "Breached") {
  const t = await newTenant(name);
  const client = await newClient(t.headers);
  const users: { id: string; email: string; password: string }[] = [];
  for (let i = 0; i < n; i++) {
    const password = strongPassword();
    users.push({ ...(await newUser(t.headers, { password })), password });
  }
  return { t, clientId: client.clientId, users };
}

const forceReset = (t: TestTenant, json: unknown) => api("/v1/users/force-reset", { json, headers: t.headers });

const job = async (t: TestTenant, jobId: string) => {
  const res = await api(`/v1/users/force-reset/${jobId}`, { headers: t.headers });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    jobId: string;
    status: string;
    total: number;
    processed: number;
    createdAt: string;
    finishedAt: string | null;
  };
};

const adminResetRows = (tenantId: string) =>
  rows<{ user_id: string }>("SELECT user_id FROM outbox WHERE tenant_id = ? AND template = 'admin_reset'", tenantId);

const flagOf = async (id: string) =>
  (await rows<{ f: number }>("SELECT must_reset_password AS f FROM users WHERE id = ?", id))[0]!.f;

describe("PATCH /v1/users/{id} {mustResetPassword}", () => {
  it("refuses the right password with PASSWORD_RESET_REQUIRED, ends sessions, and clears when a reset completes", async () => {
    const { t, clientId, users } = await tenantWithUsers(1);
    const u = users[0]!;
    const signedIn = await signIn(u.email, u.password, clientId);
    expect(signedIn.status).toBe(200);
    const { accessToken } = (await signedIn.json()) as { accessToken: string };

    const patched = await api(`/v1/users/${u.id}`, {
      method: "PATCH",
      json: { mustResetPassword: true },
      headers: t.headers,
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ id: u.id, mustResetPassword: true });

    const old = await me(accessToken);
    expect(old.status).toBe(401);
    expect(await codeOf(old)).toBe("SESSION_REVOKED");
    const refused = await signIn(u.email, u.password, clientId);
    expect(refused.status).toBe(403);
    expect(await codeOf(refused)).toBe("PASSWORD_RESET_REQUIRED");
    const types = (await rows<{ type: string }>("SELECT type FROM audit_events WHERE user_id = ?", u.id)).map(
      (r) => r.type,
    );
    expect(types).toEqual(expect.arrayContaining(["user.must_reset_password", "sessions.revoked"]));
    expect(await rows("SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL", u.id)).toHaveLength(0);

    // The admin reset email (sent separately) ends the hold.
    const sent = await api(`/v1/users/${u.id}/password-reset?clientId=${clientId}`, {
      method: "POST",
      headers: t.headers,
    });
    expect(sent.status).toBe(204);
    const { token } = await resetMail(u.email);
    const next = strongPassword();
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: next } })).status).toBe(200);
    expect(await flagOf(u.id)).toBe(0);
    expect((await signIn(u.email, next, clientId)).status).toBe(200);
  });

  it("false lifts the flag without a reset; another tenant's key cannot set it", async () => {
    const { t, clientId, users } = await tenantWithUsers(1);
    const u = users[0]!;
    const other = await newTenant("Other");
    const foreign = await api(`/v1/users/${u.id}`, {
      method: "PATCH",
      json: { mustResetPassword: true },
      headers: other.headers,
    });
    expect(foreign.status).toBe(404);
    expect(await codeOf(foreign)).toBe("USER_NOT_FOUND");
    expect(await flagOf(u.id)).toBe(0);

    const patch = (mustResetPassword: boolean) =>
      api(`/v1/users/${u.id}`, { method: "PATCH", json: { mustResetPassword }, headers: t.headers });
    expect((await patch(true)).status).toBe(200);
    expect((await signIn(u.email, u.password, clientId)).status).toBe(403);
    const lifted = await patch(false);
    expect(await lifted.json()).toMatchObject({ mustResetPassword: false });
    expect((await signIn(u.email, u.password, clientId)).status).toBe(200);
  });
});

describe("mustResetPassword at create and import", () => {
  // "Imported-Passw0rd!" as PHC PBKDF2-SHA256, 10,000 iterations (test/routes/v1/users.test.ts).
  const PW = "Imported-Passw0rd!";
  const PHC = "$pbkdf2-sha256$i=10000,l=32$ABEiM0RVZneImaq7zN3u/w$zxxdlOUU7tQnog0RLkG7Z1klQXbuxi9/IcO7ilT2R+M";

  it("POST /v1/users {mustResetPassword: true}: the right password signs in only after a reset", async () => {
    const t = await newTenant("Created held");
    const { clientId } = await newClient(t.headers);
    const password = strongPassword();
    const u = await newUser(t.headers, { password, mustResetPassword: true, clientId });
    expect(u).toMatchObject({ mustResetPassword: true });
    const held = await signIn(u.email, password, clientId);
    expect(held.status).toBe(403);
    expect(await codeOf(held)).toBe("PASSWORD_RESET_REQUIRED");
    // A wrong password still answers like any other.
    expect(await codeOf(await signIn(u.email, strongPassword(), clientId))).toBe("INVALID_CREDENTIALS");
    expect((await api("/v1/password-resets", { json: { email: u.email, clientId } })).status).toBe(202);
    const { token } = await resetMail(u.email);
    const newPassword = strongPassword();
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword } })).status).toBe(200);
    expect(await flagOf(u.id)).toBe(0);
    expect((await signIn(u.email, newPassword, clientId)).status).toBe(200);
  });

  it("POST /v1/users/import with mustResetPassword: imported hashes are held, others are not", async () => {
    const t = await newTenant("Imported held");
    const { clientId } = await newClient(t.headers);
    const [held, free] = ["held", "free"].map((n) => `${n}-${crypto.randomUUID().slice(0, 8)}@import.test`);
    const res = await api("/v1/users/import", {
      json: {
        users: [
          { email: held, passwordHash: PHC, mustResetPassword: true },
          { email: free, passwordHash: PHC },
        ],
      },
      headers: t.headers,
    });
    expect(res.status).toBe(200);
    const refused = await signIn(held!, PW, clientId);
    expect(refused.status).toBe(403);
    expect(await codeOf(refused)).toBe("PASSWORD_RESET_REQUIRED");
    expect((await signIn(free!, PW, clientId)).status).toBe(200);
  });
});

describe("POST /v1/users/force-reset", () => {
  it("flags userIds of the caller's tenant only, revokes their sessions at once, and answers 202 {jobId, queued}", async () => {
    const { t, clientId, users } = await tenantWithUsers(3);
    const [a, b, spared] = users as [(typeof users)[0], (typeof users)[0], (typeof users)[0]];
    const disabled = await newUser(t.headers, { password: strongPassword() });
    await api(`/v1/users/${disabled.id}`, { method: "PATCH", json: { disabled: true }, headers: t.headers });
    const outsider = await tenantWithUsers(1, "Outsider");
    const { accessToken } = (await (await signIn(a.email, a.password, clientId)).json()) as { accessToken: string };

    const res = await forceReset(t, {
      userIds: [a.id, b.id, disabled.id, outsider.users[0]!.id, "usr_nope"],
      clientId,
    });
    expect(res.status).toBe(202);
    const { jobId, queued } = (await res.json()) as { jobId: string; queued: number };
    // Three flagged, the disabled one gets no email; the other tenant's user and the unknown id are ignored.
    expect(queued).toBe(2);
    expect(await flagOf(disabled.id)).toBe(1);
    expect(await flagOf(spared.id)).toBe(0);
    expect(await flagOf(outsider.users[0]!.id)).toBe(0);
    expect(await codeOf(await me(accessToken))).toBe("SESSION_REVOKED");
    expect(await codeOf(await signIn(b.email, b.password, clientId))).toBe("PASSWORD_RESET_REQUIRED");
    expect((await signIn(spared.email, spared.password, clientId)).status).toBe(200);
    expect((await signIn(outsider.users[0]!.email, outsider.users[0]!.password, outsider.clientId)).status).toBe(200);
    expect(await job(t, jobId)).toMatchObject({ jobId, status: "running", total: 2, processed: 0, finishedAt: null });
    // Nothing is emailed before the cron takes the job.
    expect(await adminResetRows(t.tenantId)).toHaveLength(0);
  });

  it("refuses bad requests: neither or both selectors, too many ids, another tenant's client, missing scopes", async () => {
    const { t, clientId } = await tenantWithUsers(0);
    const other = await tenantWithUsers(0, "Other");
    const bad = async (json: unknown, status: number, code: string, tenant = t) => {
      const res = await forceReset(tenant, json);
      expect(res.status).toBe(status);
      expect(await codeOf(res)).toBe(code);
    };
    await bad({ clientId }, 400, "VALIDATION_FAILED");
    await bad({ clientId, all: true, userIds: ["usr_x"] }, 400, "VALIDATION_FAILED");
    await bad({ clientId, userIds: Array.from({ length: 1001 }, (_, i) => `usr_${i}`) }, 400, "VALIDATION_FAILED");
    await bad({ clientId, all: false }, 400, "VALIDATION_FAILED");
    await bad({ clientId: other.clientId, all: true }, 400, "UNKNOWN_CLIENT");
    for (const scopes of [["users:write"], ["resets:write"]]) {
      const key = (await (await api("/v1/api-keys", { json: { name: "ops", scopes }, headers: t.headers })).json()) as {
        apiKey: string;
      };
      const res = await api("/v1/users/force-reset", {
        json: { all: true, clientId },
        headers: { Authorization: `Bearer ${key.apiKey}` },
      });
      expect(res.status).toBe(403);
      expect(await codeOf(res)).toBe("INSUFFICIENT_SCOPE");
    }
    expect(await rows("SELECT id FROM force_reset_jobs WHERE tenant_id = ?", t.tenantId)).toHaveLength(0);
  });

  it("all: true flags the whole tenant; the cron drains the job FORCE_RESET_BATCH users per run, each emailed once", async () => {
    const { t, clientId, users } = await tenantWithUsers(5);
    const bystander = await tenantWithUsers(1, "Bystander");
    const res = await forceReset(t, { all: true, clientId });
    expect(res.status).toBe(202);
    const { jobId, queued } = (await res.json()) as { jobId: string; queued: number };
    expect(queued).toBe(5);
    for (const u of users) expect(await flagOf(u.id)).toBe(1);
    expect(await flagOf(bystander.users[0]!.id)).toBe(0);

    const e = envWith({ FORCE_RESET_BATCH: "2" });
    const progress: [number, string][] = [];
    for (let run = 0; run < 4; run++) {
      await runCron(e);
      const j = await job(t, jobId);
      progress.push([j.processed, j.status]);
      expect((await adminResetRows(t.tenantId)).length).toBe(j.processed);
    }
    expect(progress).toEqual([
      [2, "running"],
      [4, "running"],
      [5, "done"],
      [5, "done"],
    ]);
    expect((await job(t, jobId)).finishedAt).not.toBeNull();
    for (const u of users) expect(await mailTo(u.email)).toHaveLength(1);
    const sent = await rows<{ status: string }>(
      "SELECT status FROM outbox WHERE tenant_id = ? AND template = 'admin_reset'",
      t.tenantId,
    );
    expect(sent.every((r) => r.status === "sent")).toBe(true);

    // The emailed admin link completes a reset, which clears the flag; the user signs in again.
    const u = users[0]!;
    const { token } = await resetMail(u.email);
    const next = strongPassword();
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: next } })).status).toBe(200);
    expect(await flagOf(u.id)).toBe(0);
    expect((await signIn(u.email, next, clientId)).status).toBe(200);
    expect(await codeOf(await signIn(users[1]!.email, users[1]!.password, clientId))).toBe("PASSWORD_RESET_REQUIRED");
  });

  it("skips users who reset, asked for a reset themselves, or were disabled before their turn", async () => {
    const { t, clientId, users } = await tenantWithUsers(4);
    const { jobId } = (await (await forceReset(t, { all: true, clientId })).json()) as { jobId: string };
    await api(`/v1/users/${users[0]!.id}`, { method: "PATCH", json: { mustResetPassword: false }, headers: t.headers });
    await api(`/v1/users/${users[1]!.id}`, { method: "PATCH", json: { disabled: true }, headers: t.headers });
    // Told to reset at sign-in, this one asked already: the job leaves their link alive.
    expect((await api("/v1/password-resets", { json: { email: users[2]!.email, clientId } })).status).toBe(202);
    await runCron(envWith({ FORCE_RESET_BATCH: "5" }));
    expect(await job(t, jobId)).toMatchObject({ status: "done", total: 4, processed: 1 });
    expect((await adminResetRows(t.tenantId)).map((r) => r.user_id)).toEqual([users[3]!.id]);
    const { token } = await resetMail(users[2]!.email);
    expect((await api("/v1/password-resets/verify", { json: { token } })).status).toBe(200);
  });

  it("shares a run's budget between tenants: a big job does not starve a small one", async () => {
    const big = await tenantWithUsers(6, "Big");
    const small = await tenantWithUsers(2, "Small");
    const bigJob = (await (await forceReset(big.t, { all: true, clientId: big.clientId })).json()) as { jobId: string };
    const smallJob = (await (await forceReset(small.t, { all: true, clientId: small.clientId })).json()) as {
      jobId: string;
    };
    const e = envWith({ FORCE_RESET_BATCH: "4" });
    await runCron(e);
    expect(await adminResetRows(big.t.tenantId)).toHaveLength(2);
    expect(await adminResetRows(small.t.tenantId)).toHaveLength(2);
    expect((await job(small.t, smallJob.jobId)).status).toBe("done");
    await runCron(e);
    expect(await adminResetRows(big.t.tenantId)).toHaveLength(6);
    expect(await job(big.t, bigJob.jobId)).toMatchObject({ status: "done", processed: 6 });
  });

  it("overlapping cron runs start each user's reset once", async () => {
    const { t, clientId, users } = await tenantWithUsers(4);
    await forceReset(t, { all: true, clientId });
    // Both runs read the job's cursor before either moves it: only one may take that page.
    const e = envWith({ FORCE_RESET_BATCH: "2" });
    await Promise.all([runCron(e), runCron(e)]);
    await Promise.all([runCron(e), runCron(e)]);
    await runCron(e);
    const started = (await adminResetRows(t.tenantId)).map((r) => r.user_id).sort();
    expect(started).toEqual(users.map((u) => u.id).sort());
  });

  it("GET /v1/users/force-reset/{jobId} shows a job to its tenant only", async () => {
    const { t, clientId } = await tenantWithUsers(1);
    const other = await newTenant("Other");
    const { jobId } = (await (await forceReset(t, { all: true, clientId })).json()) as { jobId: string };
    for (const id of [jobId, "frj_unknown"]) {
      const res = await api(`/v1/users/force-reset/${id}`, { headers: other.headers });
      expect(res.status).toBe(404);
      expect(await codeOf(res)).toBe("FORCE_RESET_JOB_NOT_FOUND");
    }
    expect(await job(t, jobId)).toMatchObject({ jobId, status: "running", total: 1, processed: 0 });
  });
});
