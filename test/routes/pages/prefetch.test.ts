import { describe, expect, it } from "vitest";
import { api, rows } from "../../helpers";
import { userWithReset } from "../../helpers/pages";

// "Also" of issue 15: a link fetched by a mail scanner is recorded on the reset's trail (once), and
// nothing else changes: the reader's own visit still finds a live link.
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
const prefetched = async (userId: string) =>
  (
    await rows<{ data: string }>(
      "SELECT data FROM audit_events WHERE user_id = ? AND type = 'reset_link.prefetched'",
      userId,
    )
  ).map((r) => (JSON.parse(r.data) as { guess: string }).guess);

async function reset() {
  const r = await userWithReset();
  const [u] = await rows<{ id: string }>("SELECT id FROM users WHERE email = ?", r.email);
  return { ...r, userId: u!.id };
}

describe("reset_link.prefetched", () => {
  it("records a HEAD request and a scanner's user agent, once per reset, and the link stays live", async () => {
    const head = await reset();
    for (let i = 0; i < 3; i++)
      await api(`/reset-password?token=${head.token}`, { method: "HEAD", headers: { "User-Agent": BROWSER } });
    expect(await prefetched(head.userId)).toEqual(["head_request"]);

    const scanned = await reset();
    const res = await api(`/reset-password?token=${scanned.token}`, {
      headers: { "User-Agent": "Mozilla/4.0 (compatible; ms-office; MSOffice 16) Safe Links" },
    });
    expect(res.status).toBe(200);
    expect(await prefetched(scanned.userId)).toEqual(["scanner_user_agent"]);
    expect((await api("/v1/password-resets/verify", { json: { token: scanned.token } })).status).toBe(200);
  });

  it("records nothing for a browser", async () => {
    const { token, userId } = await reset();
    expect((await api(`/reset-password?token=${token}`, { headers: { "User-Agent": BROWSER } })).status).toBe(200);
    expect(await prefetched(userId)).toEqual([]);
  });
});
