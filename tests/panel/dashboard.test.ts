import http from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { barChart, niceMax } from "../../admin/panel/charts.js";
import { sseMessage } from "../../admin/panel/dashboard.routes.js";
import { formatters } from "../../admin/panel/format.js";
import { recordEvent } from "../../core/crm/event.service.js";
import { recentTicker } from "../../core/kpi/activity.kpi.js";
import { marketers, PLATFORM, RESPONSE_BUCKETS_MIN } from "../../core/kpi/dashboard.query.js";
import { dmoKpis } from "../../core/kpi/dmo.kpi.js";
import { marketplaceKpis } from "../../core/kpi/marketplace.kpi.js";
import { pulseMetrics, valueVsRevenue, weeklyStats } from "../../core/kpi/nurturing.kpi.js";
import { openTickerCursor, pollTicker, TICKER_LOOKBACK_MS, tickerHead } from "../../core/kpi/ticker.query.js";
import { nbaOverview } from "../../core/nba/nba.service.js";
import { seedDemoData } from "../../prisma/seed.js";
import { createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeCustomer, makeEvent } from "../support/factories.js";
import { createPanelUser, PanelClient } from "./support.js";

const NOW = new Date("2026-11-18T17:00:00Z");
const XSS = "<script>alert(1)</script>";

let w: TestWorld;
let app: FastifyInstance;
let c: PanelClient;
let page: string;
let tz: string;

/** The `data-value` of the element marked `data-kpi="<name>"`. */
function kpi(html: string, name: string): string {
  const m = new RegExp(`data-kpi="${name}"[^>]*?data-value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no data-kpi="${name}" with a data-value`);
  return m[1] as string;
}

/** The text inside the first element marked `data-kpi="<name>"` (no nested tags). */
function kpiText(html: string, name: string): string {
  const m = new RegExp(`data-kpi="${name}"[^>]*>([^<]*)<`).exec(html);
  if (!m) throw new Error(`no data-kpi="${name}"`);
  return (m[1] as string).trim();
}

/** The `.value` text of the KPI card `data-kpi="<name>"`. */
function cardValue(html: string, name: string): string {
  const m = new RegExp(`data-kpi="${name}"[\\s\\S]*?<span class="value">([^<]*)<`).exec(html);
  if (!m) throw new Error(`no KPI card ${name}`);
  return (m[1] as string).trim();
}

/** key → data-value of the bars of chart `name`. */
function bars(html: string, name: string): Map<string, number> {
  const start = html.indexOf(`data-kpi="${name}"`);
  const chart = html.slice(start, html.indexOf("</figure>", start));
  return new Map(
    [...chart.matchAll(/data-key="([^"]*)" data-value="([^"]*)"/g)].map((m) => [m[1] ?? "", Number(m[2])]),
  );
}

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(NOW);
  await seedDemoData(w.prisma, NOW);
  tz = w.deps.config.defaultTimezone;
  app = await createTestApp(w);
  const admin = await createPanelUser(w, "admin");
  c = new PanelClient(app);
  await c.login(admin.email ?? "");
  const res = await c.get("/admin");
  expect(res.statusCode).toBe(200);
  page = res.body;
}, 120_000);
afterAll(async () => {
  await app?.close();
  await w?.close();
});

describe("dashboard KPIs on the seeded world", () => {
  it("shows the pulse, weekly and value-vs-revenue figures the core functions compute", async () => {
    const fmt = formatters(tz);
    const pulse = await pulseMetrics(w.prisma, PLATFORM, NOW);
    for (const k of ["enrolled_7_days", "active_now", "engaged_24h", "converted"] as const) {
      expect(Number(kpi(page, k)), k).toBe(pulse[k]);
      expect(cardValue(page, k)).toBe(fmt.int(pulse[k]));
    }
    expect(pulse.active_now).toBeGreaterThan(0);
    const weekly = await weeklyStats(w.prisma, PLATFORM, NOW, tz);
    expect(Number(kpi(page, "jobs_booked"))).toBe(weekly.jobs_booked);
    expect(Number(kpi(page, "week_revenue"))).toBe(weekly.revenue_usd);
    expect(Number(kpi(page, "from_automation"))).toBe(weekly.from_automation);
    expect(page).toContain(`data-kpi="jobs_trend" data-trend="${weekly.trend_label}"`);
    expect(page).toContain(`data-kpi="revenue_trend" data-trend="${weekly.revenue_trend_label}"`);
    const value = await valueVsRevenue(w.prisma, PLATFORM, null);
    expect(Number(kpi(page, "est_value"))).toBe(value.est_value_usd);
    expect(cardValue(page, "est_value")).toBe(fmt.usd(value.est_value_usd));
    expect(Number(kpi(page, "revenue"))).toBe(value.revenue_usd);
    expect(Number(kpi(page, "open_pipeline"))).toBe(value.open_pipeline_usd);
    expect(value.est_value_usd).toBeGreaterThan(0);
  });

  it("shows the marketplace KPIs, leads by status and revenue per week", async () => {
    const fmt = formatters(tz);
    const m = await marketplaceKpis(w.prisma, PLATFORM, NOW, tz);
    expect(m.won).toBeGreaterThan(0);
    expect(Number(kpi(page, "contact_rate"))).toBe(m.contact_rate);
    expect(cardValue(page, "contact_rate")).toBe(fmt.pct(m.contact_rate));
    expect(Number(kpi(page, "won"))).toBe(m.won);
    expect(Number(kpi(page, "contacted"))).toBe(m.contacted);
    const mins = (v: number | null) => (v === null ? "—" : `${v} min`);
    expect(kpiText(page, "first_response_median")).toBe(mins(m.first_response_minutes.median));
    expect(kpiText(page, "first_response_p90")).toBe(mins(m.first_response_minutes.p90));
    expect(kpiText(page, "time_to_contact_median")).toBe(mins(m.time_to_contact_minutes.median));
    expect(Object.fromEntries(bars(page, "leads_by_status"))).toEqual(m.leads_by_status);
    expect(Object.fromEntries(bars(page, "revenue_per_week"))).toEqual(
      Object.fromEntries(m.revenue_per_week.map((r) => [r.week_start, r.revenue_usd])),
    );
  });

  it("draws the first-response histogram over the same answers the median is taken from", async () => {
    const m = await marketplaceKpis(w.prisma, PLATFORM, NOW, tz, 12, RESPONSE_BUCKETS_MIN);
    const h = m.first_response_histogram ?? [];
    expect(h.map((b) => [b.from, b.to])).toEqual([
      [0, 5],
      [5, 15],
      [15, 30],
      [30, 60],
      [60, 120],
      [120, 240],
      [240, null],
    ]);
    const drawn = bars(page, "response_histogram");
    expect([...drawn.values()]).toEqual(h.map((b) => b.count));
    expect(h.reduce((s, b) => s + b.count, 0)).toBe(m.first_response_minutes.count);
    expect(m.first_response_minutes.count).toBeGreaterThan(0);
    // Without buckets asked for, the API's KPIs are what they were.
    expect((await marketplaceKpis(w.prisma, PLATFORM, NOW, tz)).first_response_histogram).toBeUndefined();
    expect(page).toMatch(/<svg class="chart"[^>]*role="img"/);
    expect(page).not.toMatch(/\sstyle=/);
  });

  it("shows the first marketer's DMO counters, and another marketer's on request", async () => {
    const list = await marketers(w.prisma);
    const first = list[0];
    if (!first) throw new Error("the demo world has a marketer");
    const d = await dmoKpis(w.prisma, first.id, NOW);
    if (!d.ok) throw new Error(d.message);
    expect(page).toContain(`data-marketer="${first.id}"`);
    expect(kpiText(page, "dmo_invites_today")).toBe(String(d.value.invites.today));
    expect(kpiText(page, "dmo_follow_ups_week")).toBe(String(d.value.follow_ups.week));
    expect(kpiText(page, "dmo_booked_week")).toBe(String(d.value.booked.week));
    expect(kpiText(page, "dmo_overdue")).toBe(String(d.value.overdue_actions.total));
    expect(kpiText(page, "dmo_streak")).toBe(String(d.value.streak_days));

    const other = await w.prisma.user.create({ data: { name: "Zed Marketer", role: "marketer" } });
    const frag = await c.get(`/admin/dashboard/dmo?marketer=${other.id}`, { "hx-request": "true" });
    expect(frag.statusCode).toBe(200);
    expect(frag.body).not.toContain("<html");
    expect(frag.body).toContain(`data-marketer="${other.id}"`);
    expect(kpiText(frag.body, "dmo_invites_today")).toBe("0");
    const full = await c.get(`/admin?marketer=${other.id}`);
    expect(full.body).toContain(`data-marketer="${other.id}"`);
  });

  it("lists the NBA suggestions with customer and owner, most urgent first", async () => {
    const nba = await nbaOverview(w.deps, PLATFORM, 8);
    expect(nba.data.length).toBeGreaterThan(0);
    const shown = [...page.matchAll(/<tr data-customer-id="([^"]+)">/g)].map((m) => m[1]);
    expect(shown).toEqual(nba.data.map((d) => d.customer.id));
    const top = nba.data[0];
    const owner = await w.prisma.customer.findUniqueOrThrow({
      where: { id: top?.customer.id },
      select: { owner: { select: { name: true } } },
    });
    const row = page.slice(page.indexOf(`data-customer-id="${top?.customer.id}"`));
    expect(row.slice(0, row.indexOf("</tr>"))).toContain(`<td>${owner.owner.name}</td>`);
  });

  it("starts the ticker with the newest events and points the SSE stream at them", async () => {
    const t = await recentTicker(w.prisma, PLATFORM, NOW, { limit: 15 });
    const shown = [...page.matchAll(/<li class="tick" data-event-id="([^"]+)"/g)].map((m) => m[1]);
    expect(shown).toEqual(t.map((e) => e.id));
    expect(page).toMatch(/<ul id="ticker"[^>]*hx-sse:connect="\/admin\/ticker\?after=\d+" hx-swap="afterbegin"/);
  });
});

describe("dashboard requests", () => {
  it("answers an htmx request with the page fragment, a normal one with the layout", async () => {
    expect(page).toMatch(/^<!doctype html>/i);
    expect(page).toContain('<script src="/admin/vendor/ext/hx-sse.min.js"');
    const frag = await c.get("/admin", { "hx-request": "true" });
    expect(frag.statusCode).toBe(200);
    expect(frag.body).not.toContain("<html");
    expect(frag.body).not.toContain('<header class="top">');
    expect(frag.body).toContain('data-kpi="contact_rate"');
  });

  it("refuses a malformed marketer id with a 400 fragment and a stable code", async () => {
    const res = await c.get("/admin/dashboard/dmo?marketer=not-an-id", { "hx-request": "true" });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('data-code="VALIDATION_FAILED"');
  });

  it("is readable by a read-only user, and not by a visitor", async () => {
    const ro = await createPanelUser(w, "read_only");
    const r = new PanelClient(app);
    await r.login(ro.email ?? "");
    expect((await r.get("/admin")).statusCode).toBe(200);
    const anon = new PanelClient(app);
    expect((await anon.get("/admin")).statusCode).toBe(303);
    expect((await anon.get("/admin/ticker")).statusCode).toBe(303);
  });

  it("shows a customer named like a script escaped in the ticker", async () => {
    const owner = await w.prisma.user.findFirstOrThrow({ where: { role: "marketer" } });
    const x = await makeCustomer(w.prisma, { owner_id: owner.id, name: XSS });
    const r = await recordEvent(w.deps, PLATFORM, {
      event_id: "dash-xss-1",
      event_name: "DM_STARTED",
      timestamp: NOW.toISOString(),
      customer_id: x.id,
      source: "manual",
    });
    expect(r.ok).toBe(true);
    const res = await c.get("/admin");
    expect(res.body).not.toContain(XSS);
    expect(res.body).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });
});

/** GET /admin/ticker over real HTTP; resolves with the first SSE message carrying data. */
function readTicker(
  port: number,
  cookie: string,
  path: string,
  onOpen: () => Promise<void>,
  extra: Record<string, string> = {},
) {
  return new Promise<{ status: number; type: string; message: string }>((resolve, reject) => {
    const headers = { cookie, accept: "text/event-stream", ...extra };
    const req = http.get({ host: "127.0.0.1", port, path, headers }, (res) => {
      let buf = "";
      let opened = false;
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buf += chunk;
        if (!opened && buf.includes(": connected")) {
          opened = true;
          onOpen().catch(reject);
        }
        const msg = buf.split("\n\n").find((m) => m.includes("\ndata: ") || m.startsWith("data: "));
        if (msg) {
          resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), message: msg });
          req.destroy();
        }
      });
      res.on("error", () => {});
    });
    req.on("error", (err) => {
      if ((err as NodeJS.ErrnoException).code !== "ECONNRESET") reject(err);
    });
  });
}

describe("live ticker (server-sent events)", () => {
  it("pushes a newly created event as an HTML fragment, and app.close() ends open streams", async () => {
    const live = await createTestApp(w);
    await live.listen({ host: "127.0.0.1", port: 0 });
    const { port } = live.server.address() as AddressInfo;
    const customer = await w.prisma.customer.findFirstOrThrow({ where: { name: { startsWith: "Kasper" } } });
    const got = await readTicker(port, c.cookie, "/admin/ticker", async () => {
      w.clock.advance(1_000);
      const r = await recordEvent(w.deps, PLATFORM, {
        event_id: "dash-live-1",
        event_name: "MEETING_BOOKED",
        timestamp: w.clock.now().toISOString(),
        customer_id: customer.id,
        source: "web",
      });
      if (!r.ok) throw new Error(r.message);
    });
    expect(got.status).toBe(200);
    expect(got.type).toContain("text/event-stream");
    const stored = await w.prisma.eventLog.findFirstOrThrow({ where: { event_id: "dash-live-1" } });
    expect(got.message).toMatch(/^id: \d+$/m);
    expect(got.message).toContain(`data: <li class="tick" data-event-id="${stored.id}">`);
    expect(got.message).toContain(customer.name);
    expect(got.message).toContain("meeting booked");
    expect(got.message).not.toContain("<html");

    // A stream left open must not hold the server: close() ends it.
    const hold = http.get({ host: "127.0.0.1", port, path: "/admin/ticker", headers: { cookie: c.cookie } });
    hold.on("error", () => {});
    await new Promise((r) => hold.once("response", r));
    const t0 = Date.now();
    await live.close();
    expect(Date.now() - t0).toBeLessThan(3_000);
  }, 20_000);
});

describe("live ticker resume", () => {
  it("catches up from the browser's Last-Event-ID after a reconnect", async () => {
    const live = await createTestApp(w);
    await live.listen({ host: "127.0.0.1", port: 0 });
    try {
      const { port } = live.server.address() as AddressInfo;
      const before = await tickerHead(w.prisma, PLATFORM);
      const missed = await makeEvent(w.prisma, { created_at: new Date(before + 30_000) });
      const got = await readTicker(port, c.cookie, "/admin/ticker", async () => {}, {
        "last-event-id": String(before),
      });
      expect(got.message).toContain(`data-event-id="${missed.id}"`);
    } finally {
      await live.close();
    }
  }, 20_000);
});

describe("ticker cursor", () => {
  it("returns each new row once: ties on created_at and late commits inside the look-back are not lost", async () => {
    const head = await tickerHead(w.prisma, PLATFORM);
    const cursor = await openTickerCursor(w.prisma, PLATFORM, head);
    expect(await pollTicker(w.prisma, PLATFORM, cursor)).toEqual([]);
    const at = new Date(head + 60_000);
    const a = await makeEvent(w.prisma, { created_at: at });
    expect((await pollTicker(w.prisma, PLATFORM, cursor)).map((e) => e.id)).toEqual([a.id]);
    const tie = await makeEvent(w.prisma, { created_at: at });
    const late = await makeEvent(w.prisma, { created_at: new Date(at.getTime() - TICKER_LOOKBACK_MS / 2) });
    const got = (await pollTicker(w.prisma, PLATFORM, cursor)).map((e) => e.id);
    expect(got.sort()).toEqual([tie.id, late.id].sort());
    expect(await pollTicker(w.prisma, PLATFORM, cursor)).toEqual([]);
    // A cursor opened at a page's head treats what the page already showed as sent.
    const again = await openTickerCursor(w.prisma, PLATFORM, cursor.at);
    expect(await pollTicker(w.prisma, PLATFORM, again)).toEqual([]);
  });
});

describe("chart geometry and SSE framing", () => {
  it("scales bars to a nice maximum inside the plot, labels each grid value once", () => {
    expect([0, 1, 3, 7, 20, 120].map(niceMax)).toEqual([1, 1, 5, 10, 20, 200]);
    const c = barChart([
      { label: "a", value: 2, title: "a" },
      { label: "b", value: 0, title: "b" },
      { label: "c", value: -1, title: "c" },
    ]);
    expect(c.max).toBe(2);
    expect(c.bars[0]?.y).toBeCloseTo(16);
    expect((c.bars[0]?.y ?? 0) + (c.bars[0]?.h ?? 0)).toBeCloseTo(c.baseline);
    expect(c.bars.slice(1).map((b) => b.h)).toEqual([0, 0]);
    expect(c.grid.map((g) => g.label)).toEqual(["0", "0.5", "1", "1.5", "2"]);
    const ints = barChart([{ label: "x", value: 2, title: "x" }], { format: (n) => String(Math.round(n)) });
    expect(ints.grid.map((g) => g.label)).toEqual(["0", "1", "2"]);
    expect(barChart([{ label: "z", value: 0, title: "z" }]).empty).toBe(true);
  });

  it("frames a multi-line fragment as one SSE message with an id", () => {
    expect(sseMessage("42", "<li>a</li>\n<li>b</li>\n")).toBe("id: 42\ndata: <li>a</li>\ndata: <li>b</li>\n\n");
  });
});
