// The network an address belongs to, as rate limits see it. An IPv4 address is one network (NAT
// makes it scarce). An IPv6 subscriber gets at least a /64 (2^64 addresses: keying by address would
// be no limit at all), and a site a /48, which gets a bucket of its own at a multiple of the limit.
// IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address. Anything unparsable is its own key.

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEXTET = /^[0-9a-f]{1,4}$/;

/** The eight hextets of an IPv6 address (numbers), or null when it is not one. */
function hextets(ip: string): number[] | null {
  let s = ip.toLowerCase().replace(/%.*$/, "");
  // A trailing dotted quad (::ffff:192.0.2.1) stands for the last two hextets.
  const quad = /:(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (quad) {
    if (!IPV4.test(quad[1]!)) return null;
    const [a, b, c, d] = quad[1]!.split(".").map(Number) as [number, number, number, number];
    s = `${s.slice(0, quad.index)}:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const part = (h: string) => (h === "" ? [] : h.split(":"));
  const head = part(halves[0]!);
  const tail = halves.length === 2 ? part(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!all.every((h) => HEXTET.test(h))) return null;
  return all.map((h) => Number.parseInt(h, 16));
}

/**
 * The rate-limit key of an address (CF-Connecting-IP): "4:192.0.2.1", or "6:2001:db8:1:2" for the
 * /64 of an IPv6 address (hextets without leading zeros); "unknown" when there is none.
 */
export function networkKey(ip: string | null): string {
  const raw = (ip ?? "").trim();
  if (raw === "") return "unknown";
  if (IPV4.test(raw)) return `4:${raw}`;
  const h = hextets(raw);
  if (!h) return `?:${raw.slice(0, 64)}`;
  if (h.slice(0, 5).every((x) => x === 0) && h[5] === 0xffff) {
    return `4:${h[6]! >> 8}.${h[6]! & 255}.${h[7]! >> 8}.${h[7]! & 255}`;
  }
  return `6:${h
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(":")}`;
}

/** The /48 site of an IPv6 network key ("6/48:2001:db8:1"); null for any other key. */
export const siteKey = (key: string): string | null =>
  key.startsWith("6:") ? `6/48:${key.slice(2).split(":").slice(0, 3).join(":")}` : null;
