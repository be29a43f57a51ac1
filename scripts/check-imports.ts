// `npm run check:imports`: the import graph of src/ against the layering the README describes.
// Prints every cycle, every upward import and every route that reaches past the flows into db/ or
// crypto/; exits 1 when it found any. test/node/imports.test.ts runs the same check.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** Layers from the bottom up: a file may import its own layer and the ones below, never above. */
export const LAYERS: [rank: number, prefix: string][] = [
  [0, "src/domain/"],
  [0, "src/log.ts"],
  [0, "src/html.ts"],
  [1, "src/crypto/"],
  [1, "src/i18n/"],
  [1, "src/rate-limit.ts"],
  [1, "src/hibp.ts"],
  [2, "src/db/"],
  [3, "src/mail/"],
  [4, "src/config/"],
  [5, "src/deps.ts"],
  [6, "src/outbox/"],
  [7, "src/flows/"],
  [8, "src/http/"],
  [9, "src/routes/"],
  [10, "src/app.ts"],
  [10, "src/index.ts"],
  [10, "src/client.ts"],
  [10, "src/openapi/"],
];

export interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    return d.isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** A relative specifier resolved to a repository path ("src/flows/sign-in.ts"), or null for packages. */
function resolveSpecifier(fromFile: string, spec: string, known: Set<string>): string | null {
  if (!spec.startsWith(".")) return null;
  const base = relative(root, resolve(dirname(join(root, fromFile)), spec));
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) if (known.has(candidate)) return candidate;
  return null;
}

/** Every import and re-export between files of src/, with whether it is type-only. */
export function importGraph(): Edge[] {
  const all = files(join(root, "src")).map((f) => relative(root, f));
  const known = new Set(all);
  const edges: Edge[] = [];
  for (const file of all) {
    const source = ts.createSourceFile(file, readFileSync(join(root, file), "utf8"), ts.ScriptTarget.Latest);
    for (const node of source.statements) {
      if (!(ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) || !node.moduleSpecifier) continue;
      const to = resolveSpecifier(file, (node.moduleSpecifier as ts.StringLiteral).text, known);
      if (!to) continue;
      let typeOnly: boolean;
      if (ts.isImportDeclaration(node)) {
        const clause = node.importClause;
        const named =
          clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : null;
        typeOnly =
          !!clause &&
          (clause.isTypeOnly || (!clause.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      } else {
        typeOnly = node.isTypeOnly;
      }
      edges.push({ from: file, to, typeOnly });
    }
  }
  return edges;
}

/** Build-time files: the OpenAPI generator and the `<route>.docs.ts` next to each route module. */
const isBuildTime = (file: string) => file.startsWith("src/openapi/") || file.endsWith(".docs.ts");

const rankOf = (file: string): number | null =>
  file.endsWith(".docs.ts")
    ? 10
    : (LAYERS.find(([, p]) => (p.endsWith("/") ? file.startsWith(p) : file === p))?.[0] ?? null);

/** Cycles, as lists of files (Tarjan's strongly connected components of more than one file). */
function cycles(edges: Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of new Set(edges.flatMap((e) => [e.from, e.to]))) if (!index.has(v)) visit(v);
  return out;
}

/** Every problem of the graph, one line each; empty when the layering holds. */
export function importProblems(edges = importGraph()): string[] {
  const problems: string[] = [];
  for (const c of cycles(edges)) problems.push(`cycle: ${c.join(" <-> ")}`);
  for (const e of edges) {
    const [from, to] = [rankOf(e.from), rankOf(e.to)];
    if (from === null) problems.push(`unlayered file: ${e.from} (add it to LAYERS in scripts/check-imports.ts)`);
    else if (to !== null && to > from) problems.push(`upward import: ${e.from} -> ${e.to}`);
    if (e.from.startsWith("src/domain/") && !e.to.startsWith("src/domain/"))
      problems.push(`domain imports outside domain: ${e.from} -> ${e.to}`);
    if (isBuildTime(e.to) && !isBuildTime(e.from)) problems.push(`build-time code in the Worker: ${e.from} -> ${e.to}`);
    if (e.from.startsWith("src/routes/") && !e.typeOnly && /^src\/(db|crypto)\//.test(e.to)) {
      problems.push(`route reaches past the flows: ${e.from} -> ${e.to}`);
    }
  }
  return [...new Set(problems)];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const edges = importGraph();
  const problems = importProblems(edges);
  console.log(`import graph: ${new Set(edges.map((e) => e.from)).size} files, ${edges.length} imports`);
  for (const p of problems) console.log(`  ${p}`);
  if (problems.length > 0) process.exit(1);
  console.log("no cycles, no upward imports, no route imports db/ or crypto/, no build-time code in the Worker");
}
