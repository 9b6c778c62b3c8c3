/**
 * Expected failures are values with stable codes; every adapter maps a code in one place
 * (HTTP status, chat reply, retry or give up). Bugs and infrastructure failures are thrown.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  IDEMPOTENCY_CONFLICT: 409,
  CATEGORY_UNKNOWN: 422,
  LEAD_NOT_OPEN: 409,
  BID_WINDOW_CLOSED: 409,
  BID_MULTIPLIER_OUT_OF_RANGE: 422,
  CONTRACTOR_BANNED: 403,
  CONTRACTOR_NOT_ELIGIBLE: 403,
  NO_OPEN_WINDOW: 409,
  APPEAL_PENDING: 409,
  APPEAL_TOO_SHORT: 422,
  APPEAL_TOO_LONG: 422,
  NOT_BANNED: 409,
  APPEAL_ALREADY_DECIDED: 409,
  MESSAGE_TOO_LONG: 422,
  SIGNATURE_INVALID: 401,
  RATE_LIMITED: 429,
  PIPELINE_AT_END: 409,
  STAGE_NOT_IN_PIPELINE: 422,
  CUSTOMER_OPTED_OUT: 409,
  CUSTOMER_UNREACHABLE: 409,
  SEQUENCE_ALREADY_ACTIVE: 409,
  SEQUENCE_ENDED: 409,
  TEMPLATE_INACTIVE: 409,
  LINK_CODE_UNKNOWN: 404,
  LINK_CODE_EXPIRED: 410,
  LINK_CODE_USED: 409,
  ACCESS_ALREADY_REQUESTED: 409,
  LOGIN_FAILED: 401,
  LOGIN_THROTTLED: 429,
  CSRF_INVALID: 403,
  /** Kept for the API contract: today every AI surface has a rules answer, so none returns it. */
  LLM_NOT_CONFIGURED: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A failed use case: a stable code, a human message, optional details. */
export interface Failure {
  ok: false;
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export type Result<T> = { ok: true; value: T } | Failure;

/** Wrap a value as a success. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** Build a failure with its stable code. */
export function fail(code: ErrorCode, message: string, details?: unknown): Failure {
  return details === undefined ? { ok: false, code, message } : { ok: false, code, message, details };
}

/** Thrown inside a transaction to roll it back while still returning a Failure to the caller. */
export class FailureError extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}
