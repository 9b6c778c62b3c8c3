import { personWeeklyStats } from "../../../core/kpi/wins.kpi.js";
import { formatDate, formatMoney, formatNumber } from "../i18n.js";
import type { Feature } from "../types.js";
import { activeUser, isCommand } from "./match.js";

/**
 * `/stats`: this week so far in the person's time zone — jobs booked (sequences converted, deals
 * won, marketplace leads booked or paid), the revenue they entered, how many the automation had
 * reached, and the trend against last week up to the same moment.
 */
export const stats: Feature = {
  name: "stats",
  match: (ctx) => isCommand(ctx, "stats"),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const s = await personWeeklyStats(ctx.deps.prisma, user.id, ctx.now, ctx.tz);
    const { t, lang } = ctx;
    const trend =
      s.trend_label === "new"
        ? t("stats.trend_new")
        : s.trend_label === "flat"
          ? t("stats.trend_flat")
          : t(s.trend_label === "up" ? "stats.trend_up" : "stats.trend_down", {
              pct: formatNumber(Math.abs(s.trend ?? 0), lang),
            });
    const lines = [
      t("stats.title", { date: formatDate(new Date(s.week_start), lang, s.timezone) }),
      t("stats.jobs", { count: s.jobs_booked }),
      t("stats.revenue", { amount: formatMoney(s.revenue_usd, lang) }),
      t("stats.automation", { count: s.from_automation }),
      t("stats.trend", { trend }),
      t("stats.last_week", {
        count: s.last_week.jobs_booked,
        amount: formatMoney(s.last_week.revenue_usd, lang),
      }),
    ];
    if (s.jobs_booked === 0) lines.push("", t("stats.hint"));
    ctx.reply(lines.join("\n"), { buttons: [{ label: t("buttons.today"), data: "cmd:today" }] });
  },
};
