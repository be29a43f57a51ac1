import { escapeHtml } from "../../mail/templates/render";

/** Markup that is safe to emit as is (built by the `html` tag or from our own constants). */
export interface SafeHtml {
  readonly html: string;
}

type Part = SafeHtml | string | number | boolean | null | undefined | readonly Part[];

function emit(v: Part): string {
  if (v === null || v === undefined || typeof v === "boolean") return "";
  if (Array.isArray(v)) return v.map(emit).join("");
  if (typeof v === "object") return (v as SafeHtml).html;
  return escapeHtml(String(v));
}

/**
 * Tagged template that escapes every interpolated value unless it is SafeHtml: escaping is the
 * default, so a forgotten call can only over-escape, never inject. `false`/`null` render nothing.
 */
export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((v, i) => (out += emit(v) + strings[i + 1]!));
  return { html: out };
}

/** Marks our own constant markup (CSS, script) as safe. Never pass request or client data. */
export const trusted = (s: string): SafeHtml => ({ html: s });
