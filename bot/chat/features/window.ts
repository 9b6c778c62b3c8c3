import { contractorLeadBoard } from "../../../core/marketplace/contractor-board.js";
import { sendLeadMessage } from "../../../core/marketplace/window.service.js";
import { refsOfSentMessage } from "../../../core/messaging/conversation.service.js";
import { formatWhen } from "../agenda.js";
import { awaitUntil } from "../context.js";
import { failureText } from "../failures.js";
import type { ChatContext, Feature } from "../types.js";
import { messageCustomer } from "./customer-actions.js";
import { activeUser, isChoice, isPlainText } from "./match.js";

async function send(ctx: ChatContext, contractorId: string, leadId: string, text: string): Promise<void> {
  const r = await sendLeadMessage(ctx.deps, { leadId, contractorId, text });
  if (!r.ok) {
    // Nobody can reach this customer: the lead is closed with no charge and no strike — say so plainly.
    const reply =
      r.code !== "CUSTOMER_UNREACHABLE"
        ? failureText(ctx, "sendLeadMessage", r)
        : ctx.t(leadClosed(r.details) ? "window.unreachable" : "message.unreachable");
    ctx.reply(reply, { leadId });
    return;
  }
  // On the first message core's `lead_contacted` notice follows: the contact and what was charged.
  const d = r.value.delivery;
  ctx.reply(
    d.status === "deferred"
      ? ctx.t("window.queued", { when: formatWhen(d.until, { t: ctx.t, lang: ctx.lang, tz: ctx.tz, now: ctx.now }) })
      : ctx.t("window.sent"),
    { leadId },
  );
}

/** The failure says the lead itself ended UNREACHABLE (not just this one message). */
const leadClosed = (details: unknown) =>
  (details as { lead_status?: string } | undefined)?.lead_status === "UNREACHABLE";

/**
 * Plain text from a contractor answers a customer: the message it replies to names the lead (or,
 * for a relayed message of a customer with no lead, the customer); otherwise their one open
 * window does. With several open windows the chat asks which.
 */
export const windowReply: Feature = {
  name: "window.reply",
  match: (ctx) => activeUser(ctx) !== null && isPlainText(ctx),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const replyTo = ctx.msg.replyTo;
    const refs = replyTo
      ? await refsOfSentMessage(ctx.deps, { channel: ctx.msg.channel, to: ctx.msg.address, providerMessageId: replyTo })
      : null;
    if (refs?.leadId) {
      await send(ctx, user.id, refs.leadId, ctx.text);
      return;
    }
    // A reply to a relayed message of a customer who came without a lead: straight to them.
    if (refs?.kind === "customer_reply" && refs.customerId) {
      await messageCustomer(ctx, user.id, { id: refs.customerId, name: "" }, ctx.text);
      return;
    }
    const { windows } = await contractorLeadBoard(ctx.deps, user.id);
    const [only] = windows;
    if (!only) {
      ctx.reply(ctx.t("window.none"));
      return;
    }
    if (windows.length === 1) {
      await send(ctx, user.id, only.leadId, ctx.text);
      return;
    }
    ctx.reply(ctx.t("window.pick", { count: windows.length }), {
      buttons: windows.map((w) => ({
        label: ctx.t("window.pick_button", { title: w.title.slice(0, 40), customer: w.customerName.slice(0, 30) }),
        data: `to:${w.leadId}`,
      })),
      awaiting: { type: "pick_window", text: ctx.text, until: awaitUntil(ctx.now) },
    });
  },
};

/** The answer to "which customer is this for?": `to:<leadId>` sends the waiting message there. */
export const pickWindow: Feature = {
  name: "window.pick",
  match: (ctx) => isChoice(ctx, "to:"),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    if (ctx.awaiting?.type !== "pick_window") {
      ctx.reply(ctx.t("window.pick_expired"));
      return;
    }
    await send(ctx, user.id, (ctx.msg.choice ?? "").slice(3), ctx.awaiting.text);
  },
};
