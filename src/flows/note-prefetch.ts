import { auditRow, insertAudit } from "../db/audit";
import type { ResetRow } from "../db/resets";
import { afterResponse, type Deps } from "../deps";

// Link checkers of mail gateways and chat previews, as their user agents name themselves.
const SCANNER_AGENT =
  /Safe ?Links|Microsoft Office|ms-office|Proofpoint|urldefense|Mimecast|Barracuda|IronPort|Symantec|Trend ?Micro|Sophos|FireEye|Forcepoint|GoogleImageProxy|Google-Safety|Slackbot|facebookexternalhit|Discordbot|TelegramBot|WhatsApp|Twitterbot|LinkedInBot|bot\b|crawler|spider|python-requests|Go-http-client|Wget/i;

/** Resets already noted by this isolate (a scanner fetches a link several times): one event each. */
const noted = new Set<string>();

/** Why a fetch of a live reset link looks like a machine's, or null for what looks like its reader. */
export function prefetchGuess(method: string, userAgent: string | null): string | null {
  if (method === "HEAD") return "head_request";
  if (!userAgent) return "no_user_agent";
  return SCANNER_AGENT.test(userAgent) ? "scanner_user_agent" : null;
}

/**
 * Records `reset_link.prefetched` on the reset's audit trail when its link was fetched by what looks
 * like a mail scanner, after the response (the page itself changes nothing): operators see why
 * "the link didn't work" never happens here, since fetching consumes nothing.
 */
export function notePrefetch(deps: Deps, rr: ResetRow, method: string): void {
  const guess = prefetchGuess(method, deps.meta.userAgent);
  if (!guess || noted.has(rr.id)) return;
  if (noted.size >= 10_000) noted.clear();
  noted.add(rr.id);
  const row = auditRow(deps.meta, deps.now(), {
    type: "reset_link.prefetched",
    tenantId: rr.tenantId,
    clientId: rr.clientId,
    userId: rr.userId,
    data: { resetId: rr.id, guess },
  });
  afterResponse(deps, () => insertAudit(deps.db, row).run());
}
