/**
 * Stable machine codes (UPPER_SNAKE, never renamed once published) with their HTTP status and title.
 * Flows throw AppError with one of these; the canonical API and each dialect map them in one place.
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, title: "The request is invalid" },
  MALFORMED_JSON: { status: 400, title: "The request body is not valid JSON" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "The request body must be application/json" },
  PAYLOAD_TOO_LARGE: { status: 413, title: "The request body is too large" },
  NOT_FOUND: { status: 404, title: "Not found" },
  METHOD_NOT_ALLOWED: { status: 405, title: "Method not allowed" },
  RATE_LIMITED: { status: 429, title: "Too many requests" },
  EMAIL_COOLDOWN_ACTIVE: {
    status: 429,
    title: "A reset email was sent to this address recently; wait before asking again",
  },
  UNKNOWN_CLIENT: { status: 400, title: "Unknown client" },
  REDIRECT_URI_NOT_ALLOWED: { status: 400, title: "redirectUri is not on the client's allowlist" },
  TOKEN_MISSING: { status: 400, title: "The reset token is missing" },
  INVALID_TOKEN: { status: 400, title: "The reset token is invalid" },
  TOKEN_EXPIRED: { status: 410, title: "The reset token has expired" },
  TOKEN_USED: { status: 410, title: "The reset token has already been used or replaced" },
  INVALID_CODE: { status: 400, title: "The code is invalid or expired" },
  PASSWORD_POLICY_VIOLATION: { status: 400, title: "The new password does not meet the password policy" },
  INVALID_CREDENTIALS: { status: 401, title: "Invalid email or password" },
  INVALID_LOGIN_TOKEN: { status: 401, title: "The login token is invalid, expired or already used" },
  UNAUTHORIZED: { status: 401, title: "Authentication required" },
  SESSION_REVOKED: { status: 401, title: "The session is no longer valid" },
  FORBIDDEN: { status: 403, title: "Not allowed" },
  INVALID_SIGNATURE: { status: 401, title: "The event is unsigned, badly signed or too old" },
  ACCOUNT_LOCKED: {
    status: 423,
    title: "The account is locked: its owner reported a change they did not make; reset the password to unlock it",
  },
  PASSWORD_RESET_REQUIRED: { status: 403, title: "The password must be reset before signing in again" },
  STEP_UP_REQUIRED: {
    status: 403,
    title: "The product must verify the user's second factor first (POST /v1/password-resets/step-up)",
  },
  INVALID_CHALLENGE: { status: 400, title: "The step-up challenge is invalid, expired or its reset is over" },
  INSUFFICIENT_SCOPE: { status: 403, title: "The credential lacks the scope this needs" },
  CROSS_SITE_REQUEST: { status: 403, title: "Admin requests from another site's pages are refused" },
  CSRF_FAILED: { status: 403, title: "The form could not be verified; reload the page and try again" },
  USER_EXISTS: { status: 409, title: "A user with this email already exists" },
  USER_NOT_FOUND: { status: 404, title: "User not found" },
  CLIENT_NOT_FOUND: { status: 404, title: "Client not found" },
  EMAIL_NOT_FOUND: { status: 404, title: "Email not found" },
  SUPPRESSION_NOT_FOUND: { status: 404, title: "Suppression not found" },
  EMAIL_NOT_RETRYABLE: { status: 409, title: "The email can no longer be retried" },
  CLIENT_EXISTS: { status: 409, title: "A client with this clientId or businessId already exists" },
  TENANT_NOT_FOUND: { status: 404, title: "Tenant not found" },
  TENANT_EXISTS: { status: 409, title: "A tenant with this tenantId already exists" },
  API_KEY_NOT_FOUND: { status: 404, title: "API key not found" },
  FORCE_RESET_JOB_NOT_FOUND: { status: 404, title: "Force-reset job not found" },
  QUOTA_EXCEEDED: { status: 403, title: "The tenant has reached one of its quotas (TENANT_QUOTAS)" },
  CONFIGURATION_ERROR: { status: 500, title: "The service is misconfigured" },
  INTERNAL_ERROR: { status: 500, title: "Internal error" },
  DATABASE_FAILURE: { status: 500, title: "A database operation failed; try again" },
  HASH_FAILURE: { status: 500, title: "Hashing the password failed; the password was not changed" },
  POST_COMMIT_SIDE_EFFECT_FAILURE: { status: 500, title: "The password was changed, but a follow-up step failed" },
  SERVICE_UNAVAILABLE: { status: 503, title: "A dependency is unavailable" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** One failed field or rule. */
export interface FieldError {
  path: string;
  code: string;
  message: string;
}

/** A domain error carrying a stable code; never carries secrets in its detail. */
export class AppError extends Error {
  override name = "AppError";
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
    /** Members added to the error body (e.g. STEP_UP_REQUIRED's challenge); never secrets. */
    readonly extra?: Record<string, string>,
  ) {
    super(detail ?? ERRORS[code].title);
    this.status = ERRORS[code].status;
  }
}

/** QUOTA_EXCEEDED naming the quota (TENANT_QUOTAS key) and its limit. */
export const quotaExceeded = (quota: string, limit: number): AppError =>
  new AppError("QUOTA_EXCEEDED", `The tenant's ${quota} quota (${limit}) is reached (TENANT_QUOTAS.${quota}).`);
