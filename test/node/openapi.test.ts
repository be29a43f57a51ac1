import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { renderDocsPage } from "../../src/openapi/docs-page";
import { buildOpenApi } from "../../src/openapi/document";

const committed = JSON.parse(readFileSync(new URL("../../public/openapi.json", import.meta.url), "utf8")) as Record<
  string,
  unknown
>;

describe("OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(committed as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("matches the route schemas (run `npm run openapi` after changing a route)", () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(buildOpenApi())));
    expect(readFileSync(new URL("../../public/docs/index.html", import.meta.url), "utf8")).toBe(
      renderDocsPage(committed),
    );
  });

  it("documents the error codes and a success response of every operation", () => {
    for (const [path, methods] of Object.entries(
      committed.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>,
    )) {
      for (const [method, op] of Object.entries(methods)) {
        const statuses = Object.keys(op.responses);
        expect(
          statuses.some((s) => s.startsWith("2")),
          `${method} ${path}`,
        ).toBe(true);
        expect(statuses).toContain("500");
      }
    }
  });
});
