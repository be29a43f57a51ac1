// The PBKDF2 floor of `npm run bench`: a Worker that does nothing but what every password hash of
// resetkit costs, so complete and sign-in can be priced in hashes. scripts/bench.mjs runs it with
// `wrangler dev` next to resetkit (same wrangler, same workerd, same compatibility date, the same
// SECRET_KEY and PASSWORD_HASH_ITERATIONS) and never ships it: it is not part of src/ or of the
// deployed Worker. It hashes through src/crypto/password.ts's hashPassword with the parameters
// src/config derives (HKDF pepper, iterations split into calls of at most 100,000), and takes the
// same kind of request (a small JSON POST), so the floor includes the HTTP and JSON costs no route
// can avoid, and what a route adds beyond its hashes shows in its multiple.
import { deriveSubKeys } from "../src/crypto/keys";
import { type HashParams, hashPassword } from "../src/crypto/password";

interface FloorEnv {
  SECRET_KEY: string;
  PASSWORD_HASH_ITERATIONS: string;
}

let params: Promise<HashParams> | undefined;

export default {
  async fetch(req: Request, env: FloorEnv): Promise<Response> {
    if (new URL(req.url).pathname === "/healthz") return new Response("ok");
    // Derived once per isolate, as getConfig does for resetkit.
    params ??= deriveSubKeys(env.SECRET_KEY).then((k) => ({
      totalIterations: Number(env.PASSWORD_HASH_ITERATIONS),
      pepper: k.pepper,
      pepperId: k.pepperId,
    }));
    const { password } = await req.json<{ password: string }>();
    const hash = await hashPassword(password, await params);
    return Response.json({ length: hash.length });
  },
};
