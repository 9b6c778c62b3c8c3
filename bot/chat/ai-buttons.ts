/**
 * Button data of the AI features in chat (features/ai.ts handles them; notices.ts draws them under
 * relayed customer messages, unhappy-customer nudges and the morning summary's drafts).
 */
import type { TFunction } from "i18next";
import type { ChatButton } from "./types.js";

/** `ai:sg:<messageId>` — draft a reply to this customer message. */
export const SUGGEST_PREFIX = "ai:sg:";
/** `ai:sc:<customerId>` — draft a reply to this customer's latest message. */
export const SUGGEST_CUSTOMER_PREFIX = "ai:sc:";
/** `ai:show:<draftId>` — show a stored draft with its Send / Edit / Discard buttons. */
export const SHOW_PREFIX = "ai:show:";
export const SEND_PREFIX = "ai:send:";
export const EDIT_PREFIX = "ai:edit:";
export const DISCARD_PREFIX = "ai:drop:";
/** `ai:sum:<customerId>` — the timeline summary of one customer (after "which one?"). */
export const SUMMARY_PREFIX = "ai:sum:";

/** "✨ Suggest reply" for a message (or, for an old notice without one, the customer's latest). */
export function suggestButton(t: TFunction, customerId: string, messageId?: string): ChatButton {
  return {
    label: t("ai.suggest_button"),
    data: messageId ? `${SUGGEST_PREFIX}${messageId}` : `${SUGGEST_CUSTOMER_PREFIX}${customerId}`,
  };
}

/** The three buttons under a pending draft. */
export function draftButtons(t: TFunction, draftId: string): ChatButton[] {
  return [
    { label: t("ai.send_button"), data: `${SEND_PREFIX}${draftId}` },
    { label: t("ai.edit_button"), data: `${EDIT_PREFIX}${draftId}` },
    { label: t("ai.discard_button"), data: `${DISCARD_PREFIX}${draftId}` },
  ];
}
