/** Fills a message's {placeholders}. Unescaped on purpose: hono/html escapes every value on output. */
export function format(template: string, vars: Record<string, unknown> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ""));
}

/** Looks up a message of one catalogue and fills it. */
export type Translate<K extends string> = (key: K, vars?: Record<string, string | number>) => string;

/** The translator over one locale's catalogue (see catalogs.ts). */
export function translator<K extends string>(m: Record<K, string>): Translate<K> {
  return (key, vars) => format(m[key], vars);
}
