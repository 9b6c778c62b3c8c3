import { placeBid } from "../../../core/marketplace/bid.service.js";
import { leadOpenForBids } from "../../../core/marketplace/contractor-board.js";
import { MAX_BID_MULTIPLIER, MIN_BID_MULTIPLIER } from "../../../core/marketplace/pricing.js";
import { awaitUntil } from "../context.js";
import { failureText } from "../failures.js";
import { formatNumber } from "../i18n.js";
import { isBidChoice, parseBidChoice, parseMultiplier } from "../intents.js";
import type { ChatContext, Feature } from "../types.js";
import { contractorOnly } from "./leads.js";
import { isPlainText } from "./match.js";

/** Place (or raise) a bid and answer only on failure: success is core's `bid_placed` notice. */
async function bid(ctx: ChatContext, contractorId: string, leadId: string, multiplier: number, input: string) {
  const r = await placeBid(ctx.deps, { leadId, contractorId, multiplier });
  if (r.ok) return;
  const again = r.code === "BID_MULTIPLIER_OUT_OF_RANGE";
  ctx.reply(failureText(ctx, "placeBid", r, { input: input.slice(0, 20) }), {
    ...(again ? { awaiting: { type: "custom_bid" as const, leadId, until: awaitUntil(ctx.now) } } : {}),
  });
}

/** A multiplier button under a lead offer: `bid:<leadId>:<multiplier|custom>`. */
export const bidButton: Feature = {
  name: "bid.button",
  match: (ctx) => isBidChoice(ctx.msg.choice),
  async handle(ctx) {
    const contractorId = contractorOnly(ctx);
    if (!contractorId) return;
    const intent = parseBidChoice(ctx.msg.choice ?? "");
    if (intent === null) {
      ctx.reply(ctx.t("common.button_unknown"));
      return;
    }
    const { leadId, multiplier } = intent;
    if (multiplier === "custom") {
      if (!(await leadOpenForBids(ctx.deps, leadId))) {
        ctx.reply(ctx.t("bid.closed"));
        return;
      }
      ctx.reply(
        ctx.t("bid.ask_custom", {
          min: formatNumber(MIN_BID_MULTIPLIER, ctx.lang, 1),
          max: formatNumber(MAX_BID_MULTIPLIER, ctx.lang, 1),
        }),
        { awaiting: { type: "custom_bid", leadId, until: awaitUntil(ctx.now) }, leadId },
      );
      return;
    }
    await bid(ctx, contractorId, leadId, multiplier, String(multiplier));
  },
};

/** The number typed after "Custom…". Wrong input keeps the question open; /cancel ends it. */
export const customBid: Feature = {
  name: "bid.custom",
  match: (ctx) => ctx.awaiting?.type === "custom_bid" && isPlainText(ctx),
  async handle(ctx) {
    const contractorId = contractorOnly(ctx);
    if (!contractorId || ctx.awaiting?.type !== "custom_bid") return;
    const leadId = ctx.awaiting.leadId;
    const multiplier = parseMultiplier(ctx.text);
    if (multiplier === null) {
      ctx.reply(
        ctx.t("bid.bad_number", {
          input: [...ctx.text].slice(0, 20).join(""),
          min: formatNumber(MIN_BID_MULTIPLIER, ctx.lang, 1),
          max: formatNumber(MAX_BID_MULTIPLIER, ctx.lang, 1),
        }),
        { awaiting: { type: "custom_bid", leadId, until: awaitUntil(ctx.now) } },
      );
      return;
    }
    await bid(ctx, contractorId, leadId, multiplier, ctx.text);
  },
};
