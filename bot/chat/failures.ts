/**
 * The chat app's one table from core's failure codes to replies (DESIGN.md: each adapter maps
 * codes in one place). Per use case, because the same code reads differently: BID_WINDOW_CLOSED
 * after a bid is "bidding has closed", after a message "your window has ended".
 */

import { MAX_SERVICE_ZIPS } from "../../core/accounts/profile.service.js";
import type { ErrorCode, Failure } from "../../core/errors.js";
import { APPEAL_MAX_CHARS, APPEAL_MIN_CHARS } from "../../core/marketplace/appeal.service.js";
import { MAX_BID_MULTIPLIER, MIN_BID_MULTIPLIER } from "../../core/marketplace/pricing.js";
import { MAX_MESSAGE_CHARS } from "../../core/marketplace/window.service.js";
import { formatNumber } from "./i18n.js";
import type { ChatContext } from "./types.js";

type UseCase =
  | "placeBid"
  | "sendLeadMessage"
  | "createAppeal"
  | "redeemLinkCode"
  | "requestAccess"
  | "markWon"
  | "markLost"
  | "crmAction"
  | "sendToCustomer"
  | "profile"
  | "snooze";

const TABLE: Record<UseCase, Partial<Record<ErrorCode, string>>> = {
  placeBid: {
    BID_WINDOW_CLOSED: "bid.closed",
    CONTRACTOR_BANNED: "bid.banned",
    CONTRACTOR_NOT_ELIGIBLE: "bid.not_eligible",
    NOT_FOUND: "bid.not_found",
    CONFLICT: "bid.already",
    BID_MULTIPLIER_OUT_OF_RANGE: "bid.out_of_range",
  },
  sendLeadMessage: {
    BID_WINDOW_CLOSED: "window.closed",
    NO_OPEN_WINDOW: "window.none",
    NOT_FOUND: "window.none",
    MESSAGE_TOO_LONG: "window.too_long",
    VALIDATION_FAILED: "common.not_understood",
    CUSTOMER_OPTED_OUT: "window.opted_out",
  },
  createAppeal: {
    APPEAL_TOO_SHORT: "appeal.too_short",
    APPEAL_TOO_LONG: "appeal.too_long",
    APPEAL_PENDING: "appeal.pending",
    NOT_BANNED: "appeal.not_banned",
    NOT_FOUND: "common.contractors_only",
  },
  redeemLinkCode: {
    LINK_CODE_UNKNOWN: "link.code_unknown",
    LINK_CODE_EXPIRED: "link.code_expired",
    LINK_CODE_USED: "link.code_used",
    CONFLICT: "link.customer_chat",
  },
  requestAccess: {
    ACCESS_ALREADY_REQUESTED: "link.already_requested",
    CONFLICT: "link.already_user",
  },
  markWon: {
    NOT_FOUND: "outcome.gone",
    SEQUENCE_ENDED: "outcome.gone",
    LEAD_NOT_OPEN: "outcome.gone",
    CONFLICT: "outcome.gone",
    VALIDATION_FAILED: "outcome.bad_amount",
  },
  markLost: {
    NOT_FOUND: "outcome.gone",
    SEQUENCE_ENDED: "outcome.gone",
    VALIDATION_FAILED: "outcome.lead_not_lost",
  },
  sendToCustomer: {
    NOT_FOUND: "crm.customer_gone",
    CUSTOMER_OPTED_OUT: "window.opted_out",
    CUSTOMER_UNREACHABLE: "message.unreachable",
    MESSAGE_TOO_LONG: "window.too_long",
    VALIDATION_FAILED: "message.empty",
  },
  profile: {
    NOT_FOUND: "common.contractors_only",
    CATEGORY_UNKNOWN: "profile.category_gone",
    VALIDATION_FAILED: "profile.too_many",
  },
  snooze: {
    NOT_FOUND: "today.reminder_gone",
    CONFLICT: "today.reminder_already_done",
  },
  crmAction: {
    NOT_FOUND: "crm.customer_gone",
    PIPELINE_AT_END: "crm.stage_end",
    SEQUENCE_ENDED: "crm.sequence_ended",
    VALIDATION_FAILED: "crm.invalid",
  },
};

/** The reply to a failed core call, in the person's language; `vars` fill the message. */
export function failureText(
  ctx: ChatContext,
  useCase: UseCase,
  f: Failure,
  vars: Record<string, unknown> = {},
): string {
  const key = TABLE[useCase][f.code];
  if (!key) {
    ctx.deps.log.warn(`chat: no reply mapped for ${useCase} ${f.code}: ${f.message}`);
    return ctx.t("common.error");
  }
  const details = (f.details ?? {}) as Record<string, unknown>;
  const limits =
    useCase === "createAppeal"
      ? { min: APPEAL_MIN_CHARS, max: APPEAL_MAX_CHARS }
      : useCase === "sendLeadMessage" || useCase === "sendToCustomer"
        ? { max: MAX_MESSAGE_CHARS }
        : useCase === "profile"
          ? { max: MAX_SERVICE_ZIPS }
          : { min: formatNumber(MIN_BID_MULTIPLIER, ctx.lang, 1), max: formatNumber(MAX_BID_MULTIPLIER, ctx.lang, 1) };
  return ctx.t(key, {
    ...limits,
    current:
      typeof details.current_multiplier === "number" ? formatNumber(details.current_multiplier, ctx.lang, 2) : "",
    length: details.length,
    ...vars,
  });
}
