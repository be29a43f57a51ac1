/** Normalizes an email for lookups: trim, NFKC, lower-case (one account per address, whatever its case). */
export function normalizeEmail(email: string): string {
  return email.trim().normalize("NFKC").toLowerCase();
}

/** Masks an address for display: "jane.doe@example.com" -> "j***e@example.com". */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 1) return "***";
  const local = email.slice(0, at);
  const masked = local.length <= 2 ? `${local[0]}***` : `${local[0]}***${local[local.length - 1]}`;
  return `${masked}${email.slice(at)}`;
}

/** True when the address's domain is exactly one of `domains` (lower-case; subdomains are listed on their own). */
export function senderDomainAllowed(address: string, domains: readonly string[]): boolean {
  const at = address.lastIndexOf("@");
  return at > 0 && domains.includes(address.slice(at + 1).toLowerCase());
}
