import type { PolicyOverrides } from "./password-policy";

/** Per-client branding shown in pages and emails. */
export interface Branding {
  productName?: string;
  fromName?: string;
  fromAddress?: string;
  logoUrl?: string;
  accentColor?: string;
  supportUrl?: string;
  footer?: string;
}

/** A client as the flows see it (JSON columns parsed). */
export interface Client {
  id: string;
  tenantId: string;
  name: string;
  hasSecret: boolean;
  resetUrl: string | null;
  redirectUris: string[];
  businessId: number | null;
  branding: Branding;
  defaultLocale: string;
  passwordPolicy: PolicyOverrides;
  linkTtlSeconds: number;
  codeTtlSeconds: number;
  adminLinkTtlSeconds: number;
  issueLoginToken: boolean;
  /** Wrong codes an account may spend per 24 hours across its resets (then every code is refused). */
  codeBudget: number;
  webhookUrl: string | null;
  /** The product's page verifying a second factor before a reset of a user with mfa completes. */
  stepUp: { url: string } | null;
  createdAt: number;
}

/** The client fields an admin may set. */
export interface ClientFields {
  name?: string;
  resetUrl?: string | null;
  redirectUris?: string[];
  businessId?: number | null;
  branding?: Branding;
  defaultLocale?: string;
  passwordPolicy?: PolicyOverrides;
  linkTtlSeconds?: number;
  codeTtlSeconds?: number;
  adminLinkTtlSeconds?: number;
  issueLoginToken?: boolean;
  codeBudget?: number;
  webhookUrl?: string | null;
  stepUp?: { url: string } | null;
}

/** True when `uri` is exactly one of the client's redirect URIs (no prefix or pattern matching, ever). */
export const isAllowedRedirect = (client: Pick<Client, "redirectUris">, uri: string): boolean =>
  client.redirectUris.includes(uri);

/** The redirect of a reset, only while it is still on its client's allowlist (it may have been removed since). */
export const allowedRedirect = (client: Pick<Client, "redirectUris">, uri: string | null | undefined): string | null =>
  uri && isAllowedRedirect(client, uri) ? uri : null;
