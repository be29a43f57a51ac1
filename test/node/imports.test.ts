import { describe, expect, it } from "vitest";
import { importGraph, importProblems } from "../../scripts/check-imports";

describe("import graph of src/", () => {
  it("has no cycle, no upward import and no route reaching into db/ or crypto/", () => {
    expect(importProblems()).toEqual([]);
  });

  it("sees the problems it is for (a check that cannot fail is a bug)", () => {
    const edges = [
      { from: "src/db/users.ts", to: "src/flows/sign-in.ts", typeOnly: false },
      { from: "src/flows/sign-in.ts", to: "src/db/users.ts", typeOnly: false },
      { from: "src/routes/v1/users.ts", to: "src/db/users.ts", typeOnly: false },
      { from: "src/routes/v1/views.ts", to: "src/db/users.ts", typeOnly: true },
      { from: "src/domain/client.ts", to: "src/crypto/tokens.ts", typeOnly: true },
      { from: "src/app.ts", to: "src/routes/v1/users.docs.ts", typeOnly: false },
      { from: "src/routes/v1/users.docs.ts", to: "src/openapi/responses.ts", typeOnly: false },
    ];
    expect(importProblems(edges).sort()).toEqual(
      [
        "cycle: src/db/users.ts <-> src/flows/sign-in.ts",
        "upward import: src/db/users.ts -> src/flows/sign-in.ts",
        "upward import: src/domain/client.ts -> src/crypto/tokens.ts",
        "domain imports outside domain: src/domain/client.ts -> src/crypto/tokens.ts",
        "route reaches past the flows: src/routes/v1/users.ts -> src/db/users.ts",
        "build-time code in the Worker: src/app.ts -> src/routes/v1/users.docs.ts",
      ].sort(),
    );
    expect(importGraph().length).toBeGreaterThan(300);
  });
});
