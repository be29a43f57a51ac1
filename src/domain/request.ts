/** Who/where a request came from: for audit events, locale negotiation and rate limits (never secrets). */
export interface RequestMeta {
  requestId: string;
  /** CF-Connecting-IP only (X-Forwarded-For is attacker-controlled). */
  ip: string | null;
  country: string | null;
  userAgent: string | null;
  acceptLanguage: string | null;
  /** The X-Client-Id header, when sent. */
  clientId: string | null;
}

/** Request metadata of work no request started (a scheduled run). */
export const systemMeta = (requestId: string): RequestMeta => ({
  requestId,
  ip: null,
  country: null,
  userAgent: null,
  acceptLanguage: null,
  clientId: null,
});
