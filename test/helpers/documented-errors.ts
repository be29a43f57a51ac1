import spec from "../../public/openapi.json";

// The error-code drift check: every error a test sees on a documented route must be documented
// (public/openapi.json, generated from the `<route>.docs.ts` next to each route). test/setup.ts
// asserts it after each test file, so the documents cannot fall behind the code the tests exercise.

/** One error response a test received. */
export interface Observed {
  method: string;
  path: string;
  status: number;
  code: string | null;
}

type Responses = Record<string, { "x-error-codes"?: string[] }>;
type Paths = Record<string, Record<string, { responses: Responses }>>;

const observed: Observed[] = [];

/** Records an error response (a clone is read, the caller's response is untouched). */
export async function observe(request: Request, res: Response): Promise<void> {
  if (res.status < 400) return;
  let code: string | null = null;
  try {
    const body = (await res.clone().json()) as { code?: unknown };
    code = typeof body.code === "string" ? body.code : null;
  } catch {
    // not JSON (a page): no code
  }
  observed.push({
    method: request.method.toLowerCase(),
    path: new URL(request.url).pathname,
    status: res.status,
    code,
  });
}

const templates = Object.keys(spec.paths).map((template) => ({
  template,
  params: (template.match(/\{/g) ?? []).length,
  re: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{\w+\\?\}/g, "[^/]+")}$`),
}));

/** The documented operation for a request, preferring literal paths over templated ones. */
function operationOf(o: Observed) {
  const paths = spec.paths as unknown as Paths;
  const match = templates
    .filter((t) => t.re.test(o.path) && paths[t.template]?.[o.method])
    .sort((a, b) => a.params - b.params)[0];
  return match ? { template: match.template, op: paths[match.template]![o.method]! } : null;
}

/** What the tests of this file saw that the OpenAPI document does not say (empty when in step). */
export function undocumentedErrors(): string[] {
  const out = new Set<string>();
  for (const o of observed) {
    // No route (an unknown path, a wrong method, a dialect switched off): nothing to document.
    if (o.code === "NOT_FOUND") continue;
    const found = operationOf(o);
    if (!found) continue;
    const response = found.op.responses[String(o.status)];
    const where = `${o.method.toUpperCase()} ${found.template}`;
    if (!response) out.add(`${where}: status ${o.status}${o.code ? ` (${o.code})` : ""} is not documented`);
    else if (o.code && response["x-error-codes"] && !response["x-error-codes"].includes(o.code))
      out.add(`${where}: ${o.status} ${o.code} is not documented`);
  }
  observed.length = 0;
  return [...out].sort();
}
