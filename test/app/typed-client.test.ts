import { describe, expect, it } from "vitest";
import { createResetkitClient } from "../../src/client";
import { api, createUser, REQUEST_BASE, strongPassword, uniqueEmail } from "../helpers";

// The typed client, pointed at the Worker's own fetch handler.
const rk = createResetkitClient(REQUEST_BASE, {
  fetch: (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    return api(url.pathname + url.search, { ...init, headers: init?.headers });
  },
});

describe("typed client (Hono RPC)", () => {
  it("calls the API with typed bodies and responses", async () => {
    const email = uniqueEmail("client");
    const password = strongPassword();
    await createUser(email, password);
    const accepted = await rk.v1["password-resets"].$post({ json: { email } });
    expect(accepted.status).toBe(202);
    expect((await accepted.json()).status).toBe("accepted");
    const signIn = await rk.v1.sessions.$post({ json: { email, password } });
    expect(signIn.status).toBe(200);
    if (signIn.status === 200) {
      const { accessToken, tokenType } = await signIn.json();
      expect(tokenType).toBe("Bearer");
      const me = await rk.v1.me.$get({}, { headers: { Authorization: `Bearer ${accessToken}` } });
      expect(me.status).toBe(200);
    }
  });
});
