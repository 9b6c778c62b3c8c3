import { contractorLeadBoard } from "../../../core/marketplace/contractor-board.js";
import { formatDuration, formatMoney, formatNumber, formatTime } from "../i18n.js";
import type { ChatContext, Feature } from "../types.js";
import { activeUser, isCommand } from "./match.js";

/** Marketplace commands are for contractors; marketers are told so. */
export function contractorOnly(ctx: ChatContext): string | null {
  const user = activeUser(ctx);
  if (user?.role === "contractor") return user.id;
  ctx.reply(ctx.t("common.contractors_only"));
  return null;
}

/** `/leads`: open offers, live bids and open windows with the time left (the customer and their address only on a window the contractor holds: core/marketplace/lead-privacy.ts). */
export const leads: Feature = {
  name: "leads",
  match: (ctx) => isCommand(ctx, "leads"),
  async handle(ctx) {
    const contractorId = contractorOnly(ctx);
    if (!contractorId) return;
    const board = await contractorLeadBoard(ctx.deps, contractorId);
    const { t, lang, tz, now } = ctx;
    const lines: string[] = [];
    if (board.windows.length > 0) {
      lines.push(t("leads.windows"));
      for (const w of board.windows) {
        const minutes = Math.ceil((w.endsAt.getTime() - now.getTime()) / 60_000);
        lines.push(
          t("leads.window_line", {
            title: w.title,
            customer: w.customerName,
            address: w.address ? `, ${w.address}` : "",
            duration: formatDuration(minutes, t),
          }),
        );
      }
    }
    if (board.offers.length > 0) {
      if (lines.length > 0) lines.push("");
      lines.push(t("leads.offers"));
      for (const o of board.offers) {
        lines.push(t("leads.offer_line", { title: o.title, zip: o.zip, time: formatTime(o.closesAt, lang, tz) }));
      }
    }
    if (board.bids.length > 0) {
      if (lines.length > 0) lines.push("");
      lines.push(t("leads.bids"));
      for (const b of board.bids) {
        const key = b.open ? "leads.bid_open" : b.rank ? "leads.bid_ranked" : "leads.bid_waiting";
        lines.push(
          t(key, {
            title: b.title,
            multiplier: formatNumber(b.multiplier, lang, 2),
            amount: formatMoney(b.amount, lang),
            rank: b.rank,
          }),
        );
      }
    }
    ctx.reply(lines.length > 0 ? lines.join("\n") : t("leads.empty"));
  },
};
