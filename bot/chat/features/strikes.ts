import { APPEAL_MAX_CHARS, APPEAL_MIN_CHARS, createAppeal } from "../../../core/marketplace/appeal.service.js";
import { contractorStrikes } from "../../../core/marketplace/contractor-board.js";
import { failureText } from "../failures.js";
import { formatDate } from "../i18n.js";
import type { Feature } from "../types.js";
import { contractorOnly } from "./leads.js";
import { isCommand } from "./match.js";

/** `/strikes`: the count against the ban threshold, the ban, a pending appeal, the last strikes. */
export const strikes: Feature = {
  name: "strikes",
  match: (ctx) => isCommand(ctx, "strikes"),
  async handle(ctx) {
    const contractorId = contractorOnly(ctx);
    if (!contractorId) return;
    const s = await contractorStrikes(ctx.deps, contractorId);
    if (!s) throw new Error(`contractor ${contractorId} vanished`);
    const { t } = ctx;
    const lines = [
      s.strikeCount === 0 ? t("strikes.none") : t("strikes.count", { count: s.strikeCount, max: s.strikesToBan }),
    ];
    if (s.banned) lines.push(t(s.pendingAppeal ? "strikes.appeal_pending" : "strikes.banned"));
    if (s.recent.length > 0) {
      lines.push("", t("strikes.recent"));
      for (const r of s.recent) {
        const date = formatDate(r.at, ctx.lang, ctx.tz);
        lines.push(t(r.banTriggered ? "strikes.line_ban" : "strikes.line", { date, title: r.title }));
      }
    }
    ctx.reply(lines.join("\n"));
  },
};

/** `/appeal TEXT`: ask for a review of a bidding ban; the evidence is attached by core. */
export const appeal: Feature = {
  name: "appeal",
  match: (ctx) => isCommand(ctx, "appeal"),
  async handle(ctx) {
    const contractorId = contractorOnly(ctx);
    if (!contractorId) return;
    const reason = ctx.command?.args ?? "";
    if (!reason) {
      ctx.reply(ctx.t("appeal.usage", { min: APPEAL_MIN_CHARS, max: APPEAL_MAX_CHARS }));
      return;
    }
    const r = await createAppeal(ctx.deps, { contractorId, reason });
    // Success is confirmed by core's `appeal_received` notice.
    if (!r.ok) ctx.reply(failureText(ctx, "createAppeal", r));
  },
};
