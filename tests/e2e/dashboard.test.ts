import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatters } from "../../admin/panel/format.js";
import { recordEvent } from "../../core/crm/event.service.js";
import { marketers, PLATFORM } from "../../core/kpi/dashboard.query.js";
import { dmoKpis } from "../../core/kpi/dmo.kpi.js";
import { marketplaceKpis } from "../../core/kpi/marketplace.kpi.js";
import { pulseMetrics, valueVsRevenue, weeklyStats } from "../../core/kpi/nurturing.kpi.js";
import { launchBrowser, type PanelServer, screenshot, signIn, startPanel } from "./support.js";

describe("dashboard in Chromium", { retry: 2 }, () => {
  let server: PanelServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startPanel();
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const value = (name: string) => page.getAttribute(`[data-kpi="${name}"]`, "data-value");
  const text = async (name: string) => (await page.textContent(`[data-kpi="${name}"] .value`))?.trim();
  const cell = async (name: string) => (await page.textContent(`[data-kpi="${name}"]`))?.trim();

  it("shows the KPIs the core functions compute from the seeded data", async () => {
    await signIn(page, server.url);
    await page.waitForSelector('[data-kpi="contact_rate"]');
    const { prisma, clock, deps } = server.w;
    const now = clock.now();
    const tz = deps.config.defaultTimezone;
    const fmt = formatters(tz);

    const pulse = await pulseMetrics(prisma, PLATFORM, now);
    for (const k of ["enrolled_7_days", "active_now", "engaged_24h", "converted"] as const) {
      expect(await text(k), k).toBe(fmt.int(pulse[k]));
    }
    const weekly = await weeklyStats(prisma, PLATFORM, now, tz);
    expect(await text("jobs_booked")).toBe(fmt.int(weekly.jobs_booked));
    expect(await page.getAttribute('[data-kpi="jobs_trend"]', "data-trend")).toBe(weekly.trend_label);
    expect(await text("week_revenue")).toBe(fmt.usd(weekly.revenue_usd));
    const vv = await valueVsRevenue(prisma, PLATFORM, null);
    expect(await text("est_value")).toBe(fmt.usd(vv.est_value_usd));
    expect(await text("revenue")).toBe(fmt.usd(vv.revenue_usd));
    const m = await marketplaceKpis(prisma, PLATFORM, now, tz);
    expect(await text("contact_rate")).toBe(fmt.pct(m.contact_rate));
    expect(await value("won")).toBe(String(m.won));
    const minutes = (v: number | null) => (v === null ? "—" : `${v} min`);
    expect(await cell("first_response_median")).toBe(minutes(m.first_response_minutes.median));
    expect(await cell("first_response_p90")).toBe(minutes(m.first_response_minutes.p90));
    for (const [status, n] of Object.entries(m.leads_by_status)) {
      expect(await page.getAttribute(`[data-kpi="leads_by_status"] [data-key="${status}"]`, "data-value")).toBe(
        String(n),
      );
    }
    const first = (await marketers(prisma))[0];
    if (!first) throw new Error("the demo world has a marketer");
    const dmo = await dmoKpis(prisma, first.id, now);
    if (!dmo.ok) throw new Error(dmo.message);
    expect(await cell("dmo_invites_today")).toBe(String(dmo.value.invites.today));
    expect(await cell("dmo_follow_ups_week")).toBe(String(dmo.value.follow_ups.week));
    expect(await page.locator('[data-kpi="nba"] tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('svg.chart[role="img"]').count()).toBe(3);
    await screenshot(page, "dashboard");
  }, 60_000);

  it("puts a new event on the live ticker without a reload", async () => {
    const { prisma, clock, deps } = server.w;
    // Reload and wait until the SSE stream is open, then create the event.
    const stream = page.waitForResponse((r) => r.url().includes("/admin/ticker"));
    await page.goto(`${server.url}/admin`);
    const res = await stream;
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toContain("text/event-stream");
    // A reload would lose this mark; an htmx swap keeps it.
    await page.evaluate(() => document.body.setAttribute("data-e2e-mark", "still-here"));

    clock.advance(60_000);
    const customer = await prisma.customer.findFirstOrThrow({ where: { name: "Kasper Nielsen" } });
    const r = await recordEvent(deps, PLATFORM, {
      event_id: "e2e-dashboard-ticker-1",
      event_name: "MEETING_BOOKED",
      timestamp: clock.now().toISOString(),
      customer_id: customer.id,
      source: "web",
    });
    if (!r.ok) throw new Error(r.message);
    const stored = await prisma.eventLog.findFirstOrThrow({ where: { event_id: "e2e-dashboard-ticker-1" } });

    const item = page.locator(`#ticker li[data-event-id="${stored.id}"]`);
    await item.waitFor({ timeout: 15_000 });
    expect(await item.textContent()).toContain("Kasper Nielsen");
    // The event and what it caused (a status change) arrive in one batch, on top of the list.
    const batch = await prisma.eventLog.findMany({ where: { created_at: stored.created_at }, select: { id: true } });
    const top = await page
      .locator("#ticker li")
      .evaluateAll((lis, n) => lis.slice(0, n).map((li) => li.getAttribute("data-event-id")), batch.length);
    expect(top.sort()).toEqual(batch.map((b) => b.id).sort());
    expect(await page.getAttribute("body", "data-e2e-mark")).toBe("still-here");
    await screenshot(page, "dashboard-ticker");
  }, 60_000);

  it("swaps the DMO card for another marketer from the select", async () => {
    const { prisma } = server.w;
    const other = await prisma.user.create({ data: { name: "Zoe Marketer", role: "marketer" } });
    await page.goto(`${server.url}/admin`);
    const swapped = page.waitForResponse((r) => r.url().includes("/admin/dashboard/dmo"));
    await page.selectOption('#dmo select[name="marketer"]', other.id);
    await swapped;
    await page.waitForSelector(`#dmo[data-marketer="${other.id}"]`);
    expect(page.url()).toBe(`${server.url}/admin`);
    expect(await cell("dmo_invites_today")).toBe("0");
    await screenshot(page, "dashboard-dmo");
  }, 60_000);
});
