// `npm run bench:hash`: what one PBKDF2 iteration costs inside workerd (the runtime of `wrangler dev`
// and of the tests), for the four ways resetkit runs it: native deriveBits (SHA-256, SHA-512) and
// pbkdf2Hmac, one WebCrypto HMAC per iteration (SHA-256, SHA-512), which verifies imported hashes
// above the 100,000-iterations-per-call ceiling. Prints ns/iteration next to the constants in
// src/crypto/legacy-hash.ts (NS_PER_ITERATION) and the import limits they give. Local only, bounded.
// It times wall clock: the HMAC loop's yields (a setTimeout(0), ~1.2 ms per 10,000 iterations) and
// any other load on the machine read as cost, so the constants were taken on an idle machine.
import { build } from "esbuild";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 100_000);

const worker = `
import { pbkdf2Hmac, NS_PER_ITERATION, VERIFY_BUDGET_NS } from "./src/crypto/legacy-hash.ts";
import { hashPassword } from "./src/crypto/password.ts";
export default {
  async fetch(req) {
    const u = new URL(req.url);
    if (u.pathname === "/constants") return Response.json({ NS_PER_ITERATION, VERIFY_BUDGET_NS });
    const [mode, hash] = [u.searchParams.get("mode"), u.searchParams.get("hash")];
    const c = Number(u.searchParams.get("c"));
    const pw = new TextEncoder().encode("correct horse battery staple");
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const t = performance.now();
    if (mode === "native") {
      const key = await crypto.subtle.importKey("raw", pw, "PBKDF2", false, ["deriveBits"]);
      await crypto.subtle.deriveBits({ name: "PBKDF2", hash, salt, iterations: c }, key, 256);
    } else if (mode === "hmac") {
      await pbkdf2Hmac(hash, pw, salt, c, 32);
    } else {
      const pepper = await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      await hashPassword("correct horse battery staple", { totalIterations: c, pepper, pepperId: "00" });
    }
    return Response.json({ ms: performance.now() - t });
  },
};`;
const out = await build({
  stdin: { contents: worker, resolveDir: process.cwd(), loader: "js" },
  bundle: true,
  format: "esm",
  write: false,
  platform: "neutral",
});
// miniflare 5 takes its v4 options through convertV4MiniflareOptions (as wrangler does).
const mf = new Miniflare(
  convertV4MiniflareOptions({
    workers: [{ name: "bench", modules: true, script: out.outputFiles[0].text, compatibilityDate: "2026-10-20" }],
  }),
);
try {
  const median = async (query) => {
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const res = await mf.dispatchFetch(`http://bench/run?${query}`);
      times.push((await res.json()).ms);
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  };
  const { NS_PER_ITERATION, VERIFY_BUDGET_NS } = await (await mf.dispatchFetch("http://bench/constants")).json();
  console.log(`PBKDF2 in workerd, median of ${RUNS} runs of ${ITERATIONS.toLocaleString("en")} iterations:`);
  console.log("  mode    digest    ns/iteration   constant   import limit (budget / measured)");
  for (const mode of ["native", "hmac"]) {
    for (const hash of ["SHA-256", "SHA-512"]) {
      const ns = ((await median(`mode=${mode}&hash=${hash}&c=${ITERATIONS}`)) * 1e6) / ITERATIONS;
      const limit = mode === "hmac" ? Math.floor(VERIFY_BUDGET_NS / ns).toLocaleString("en") : "(≤ 100,000 per call)";
      console.log(
        `  ${mode.padEnd(7)} ${hash.padEnd(9)} ${ns.toFixed(0).padStart(12)} ${String(NS_PER_ITERATION[mode][hash]).padStart(10)}   ${limit}`,
      );
    }
  }
  const own = await median("mode=own&c=600000");
  console.log(`\nresetkit's own hash, 600,000 iterations (6 x 100,000, native SHA-256): ${own.toFixed(0)} ms`);
  console.log(
    `Budget of one imported-hash verification: ${(VERIFY_BUDGET_NS / 1e6).toFixed(0)} ms on the measuring machine`,
  );
} finally {
  await mf.dispose();
}
