// Build time only: a curl example per operation (`x-codeSamples`, shown by the /docs reference),
// written from the very JSON Schemas of the document, so an example never names a field the route
// would reject. Values are placeholders a reader recognises; secrets are shell variables.

type Json = Record<string, unknown>;

/** Where the examples send their requests. */
export const EXAMPLE_BASE = "https://reset.example.com";

/** Example values by field name (what the walkthroughs in the README use). */
const BY_NAME: Record<string, unknown> = {
  email: "ada@example.com",
  username: "ada@example.com",
  password: "a-much-better-passphrase",
  newPassword: "a-much-better-passphrase",
  token: "<token from the email link>",
  code: "123456",
  otp: "123456",
  loginToken: "<loginToken>",
  clientId: "default",
  locale: "fr",
  name: "Ada Lovelace",
  redirectUri: "https://app.example.com/after-reset",
  resetUrl: "https://app.example.com/reset-password",
  webhookUrl: "https://app.example.com/hooks/resetkit",
  grant_type: "password",
};

/** Example path parameters. */
const PATH_PARAMS: Record<string, string> = {
  userId: "usr_Ui413g5djarDY6PM9x0XnQ",
  clientId: "zephyr-web",
  keyId: "key_8Ld0s1qZ",
  id: "msg_DG6P4XtGeRamxEEytchy1g",
};

/** A value for one schema: its const or first enum value, else by field name, else by type. */
export function sampleValue(schema: Json, name = ""): unknown {
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const branch = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (branch?.length) return sampleValue(branch[0]!, name);
  if (name in BY_NAME) return BY_NAME[name];
  switch (schema.type) {
    case "object": {
      const props = (schema.properties ?? {}) as Record<string, Json>;
      const required = (schema.required as string[] | undefined) ?? [];
      // The required fields; an object with none shows its first one (e.g. a PATCH).
      const shown = required.length ? required : Object.keys(props).slice(0, 1);
      return Object.fromEntries(shown.filter((k) => props[k]).map((k) => [k, sampleValue(props[k]!, k)]));
    }
    case "array":
      return [sampleValue((schema.items as Json | undefined) ?? {}, name)];
    case "integer":
    case "number":
      return typeof schema.minimum === "number" ? schema.minimum : 1;
    case "boolean":
      return true;
    default:
      return schema.format === "uri" ? "https://app.example.com/" : `<${name || "value"}>`;
  }
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The curl command of one operation of the document. */
export function curlSample(method: string, path: string, op: Json): string {
  const params = (op.parameters as { name: string; in: string; required?: boolean; schema: Json }[] | undefined) ?? [];
  let url = path.replace(/\{(\w+)\}/g, (_, p: string) => PATH_PARAMS[p] ?? `<${p}>`);
  const query = params
    .filter((p) => p.in === "query" && p.required)
    .map((p) => `${p.name}=${encodeURIComponent(String(sampleValue(p.schema, p.name)))}`);
  if (query.length) url += `?${query.join("&")}`;
  const lines = [`curl -X ${method.toUpperCase()} "${EXAMPLE_BASE}${url}"`];
  const security = (op.security as Json[] | undefined) ?? [];
  if (security.some((s) => "apiKey" in s)) lines.push(`-H "Authorization: Bearer $RESETKIT_API_KEY"`);
  else if (security.some((s) => "accessToken" in s)) lines.push(`-H "Authorization: Bearer $ACCESS_TOKEN"`);
  const content = ((op.requestBody as Json | undefined)?.content ?? {}) as Record<string, { schema: Json }>;
  const [type, body] = Object.entries(content)[0] ?? [];
  if (type === "application/x-www-form-urlencoded" && body) {
    for (const [k, v] of Object.entries(sampleValue(body.schema) as Json)) {
      lines.push(`--data-urlencode ${shellQuote(`${k}=${String(v)}`)}`);
    }
  } else if (type && body) {
    lines.push(`-H 'Content-Type: ${type}'`, `-d ${shellQuote(JSON.stringify(sampleValue(body.schema)))}`);
  }
  return lines.join(" \\\n  ");
}
