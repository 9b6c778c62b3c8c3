import { CHAT_REPLY_KIND, enqueueChatReplies } from "../../../core/messaging/conversation.service.js";
import { recordCustomerReply, setCustomerOptOut } from "../../../core/messaging/customer-inbound.service.js";
import { optOutIntent } from "../../../core/messaging/opt-out.js";
import { OPT_OUT_ACK_KIND } from "../../../core/messaging/send-guard.js";
import { handleCustomerReply, handleOptOut } from "../../../core/nurturing/sequence.service.js";
import type { ChatContext, Feature } from "../types.js";
import { isCommand } from "./match.js";

/** Channels where a stranger's STOP must be honoured even before we know who they are. */
const CARRIER_CHANNELS = new Set(["sms", "email", "whatsapp"]);

const isCustomer = (ctx: ChatContext) => ctx.person.kind === "customer";

/** A customer opening the chat (Telegram's Start button): say where their words go. */
export const customerStart: Feature = {
  name: "customer.start",
  match: (ctx) => isCustomer(ctx) && isCommand(ctx, "start"),
  async handle(ctx) {
    ctx.reply(ctx.t("customer.welcome"));
  },
};

/**
 * STOP / START and the other opt-out words, on every channel. Confirmed once: a second STOP
 * changes nothing and sends nothing (an opted-out person gets no more messages).
 */
export const optOut: Feature = {
  name: "customer.opt_out",
  match: (ctx) =>
    (isCustomer(ctx) || (ctx.person.kind === "unknown" && CARRIER_CHANNELS.has(ctx.msg.channel))) &&
    optOutIntent(ctx.text) !== null,
  async handle(ctx) {
    const out = optOutIntent(ctx.text) === "out";
    const r = await setCustomerOptOut(ctx.deps, { identityId: ctx.person.identity.id, optOut: out });
    if (!r.ok) throw new Error(`opt-out not recorded: ${r.code} ${r.message}`);
    if (r.value.changed) {
      // The one message an opted-out person still gets: its own kind, which the outbox's
      // send-time opt-out check lets through (core/messaging/send-guard.ts).
      const { identity } = ctx.person;
      await enqueueChatReplies(ctx.deps, [
        {
          channel: identity.channel,
          to: identity.address,
          identityId: identity.id,
          customerId: identity.customer_id,
          kind: out ? OPT_OUT_ACK_KIND : CHAT_REPLY_KIND,
          body: ctx.t(out ? "customer.opted_out" : "customer.opted_in"),
          payload: { kind: out ? OPT_OUT_ACK_KIND : CHAT_REPLY_KIND, rendered: true, lang: ctx.lang },
          dedupeKey: `optack:${ctx.inboundId}`,
        },
      ]);
    }
    const { customerId } = r.value;
    if (out && customerId) {
      // Idempotent: runs on every STOP, so a failed first run is made good by the next one.
      await handleOptOut(ctx.deps, customerId).catch((err: unknown) =>
        ctx.deps.log.warn(`chat: ending sequences of opted-out customer ${customerId} failed`, err),
      );
    }
  },
};

/**
 * Anything else a customer writes is a reply: stored in their conversation and relayed to the
 * contractor who owns them at once; then their nurturing sequences end.
 */
export const customerReply: Feature = {
  name: "customer.reply",
  match: isCustomer,
  async handle(ctx) {
    if (ctx.person.kind !== "customer") return;
    const text = ctx.text || ctx.msg.choice || "";
    if (!text) {
      ctx.reply(ctx.t("customer.attachment_only"));
      return;
    }
    const customerId = ctx.person.customer.id;
    const r = await recordCustomerReply(ctx.deps, { customerId, channel: ctx.msg.channel, text });
    if (!r.ok) throw new Error(`customer reply not recorded: ${r.code} ${r.message}`);
    // The conversation is now a person's: their running sequences end (the nurturing area's rule).
    // The reply is stored and relayed already, so a failure here is logged, not retried.
    await handleCustomerReply(ctx.deps, customerId).then(
      (ended) => !ended.ok && ctx.deps.log.warn(`chat: ending sequences of customer ${customerId}: ${ended.code}`),
      (err: unknown) => ctx.deps.log.warn(`chat: ending sequences of customer ${customerId} failed`, err),
    );
  },
};
