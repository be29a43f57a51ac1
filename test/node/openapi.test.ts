import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { sha256, VENDORED } from "../../scripts/vendor-redoc";
import { REDOC_SCRIPT, renderDocsPage } from "../../src/openapi/docs-page";
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

  it("gives every operation a curl example and a section the reference shows", () => {
    const groups = committed["x-tagGroups"] as { name: string; tags: string[] }[];
    const shown = new Set(groups.flatMap((g) => g.tags));
    const used = new Set<string>();
    for (const [path, methods] of Object.entries(
      committed.paths as Record<string, Record<string, { tags: string[]; "x-codeSamples": { source: string }[] }>>,
    )) {
      for (const [method, op] of Object.entries(methods)) {
        const curl = op["x-codeSamples"]?.[0]?.source ?? "";
        expect(curl, `${method} ${path}`).toContain(`curl -X ${method.toUpperCase()} "https://reset.example.com`);
        for (const tag of op.tags) {
          expect(
            shown,
            `${method} ${path}: tag "${tag}" is in no x-tagGroups group, so the reference hides it`,
          ).toContain(tag);
          used.add(tag);
        }
      }
    }
    // The four seed dialects, each its own section with its operations.
    const dialects = groups.find((g) => g.name === "Compatibility dialects")?.tags ?? [];
    expect(dialects).toHaveLength(4);
    for (const tag of dialects) expect(used, tag).toContain(tag);
  });

  it("loads the vendored Redoc, unchanged and with its licence next to it (npm run docs:vendor)", () => {
    const dir = new URL(`../../${VENDORED.dir}/`, import.meta.url);
    for (const [name, hash] of Object.entries(VENDORED.files))
      expect(sha256(new URL(name, dir).pathname), name).toBe(hash);
    expect(readFileSync(new URL("LICENSE", dir), "utf8")).toMatch(/^The MIT License/);
    expect(REDOC_SCRIPT).toBe(`/${VENDORED.dir.replace(/^public\//, "")}/redoc.standalone.js`);
    expect(readFileSync(new URL("../../public/docs/index.html", import.meta.url), "utf8")).toContain(
      `<script src="${REDOC_SCRIPT}"></script>`,
    );
  });
});
