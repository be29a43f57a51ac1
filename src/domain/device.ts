const BROWSERS: [RegExp, string][] = [
  [/Edg(A|iOS)?\//, "Edge"],
  [/OPR\/|Opera/, "Opera"],
  [/SamsungBrowser\//, "Samsung Internet"],
  [/Firefox\/|FxiOS\//, "Firefox"],
  [/Chrome\/|CriOS\//, "Chrome"],
  [/Version\/[\d.]+.*Safari\//, "Safari"],
];
const SYSTEMS: [RegExp, string][] = [
  [/Windows NT/, "Windows"],
  [/iPhone|iPod/, "iOS"],
  [/iPad/, "iPadOS"],
  [/Android/, "Android"],
  [/CrOS/, "ChromeOS"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/Linux/, "Linux"],
];

/**
 * "Browser, OS" named by a User-Agent ("Chrome, Windows"), or null. Only names from our own list
 * come out: the header is attacker-controlled and must never put its own words into an email.
 */
export function describeDevice(userAgent: string | null | undefined): string | null {
  if (!userAgent) return null;
  const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1];
  const os = SYSTEMS.find(([re]) => re.test(userAgent))?.[1];
  const parts = [browser, os].filter(Boolean);
  return parts.length ? parts.join(", ") : null;
}

/** A country code as a name in the reader's language ("FR" -> "Frankreich" in German); null when unknown. */
export function countryName(code: string | null | undefined, locale: string): string | null {
  // Cloudflare uses XX for unknown and T1 for Tor; neither is a place.
  if (!code || !/^[A-Z]{2}$/.test(code) || code === "XX" || code === "T1") return null;
  try {
    return new Intl.DisplayNames([locale], { type: "region" }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** A moment in the reader's language, in UTC (we do not know the reader's time zone, so we say which we use). */
export function formatWhen(epochMs: number, locale: string): string {
  return `${new Intl.DateTimeFormat(locale, { dateStyle: "long", timeStyle: "short", timeZone: "UTC" }).format(epochMs)} (UTC)`;
}
