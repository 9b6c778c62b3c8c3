/**
 * Manual scale check for the KPI and segment queries (not a vitest file):
 *
 *   TEST_DATABASE_URL=postgresql://127.0.0.1:5432/postgres npx tsx tests/kpi/scale.ts
 *
 * Builds a throw-away database with 100k customers, 1M sequence events and 1M Frazer events
 * (plus bids, messages, reminders, appliances, payments, deals), then times every KPI and a
 * segment preview and blast for one contractor and for the whole platform. Drops it afterwards.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { ApiScope } from "../../core/accounts/api-key.service.js";
import { recentActivity, recentTicker } from "../../core/kpi/activity.kpi.js";
import { dmoKpis } from "../../core/kpi/dmo.kpi.js";
import { marketplaceKpis } from "../../core/kpi/marketplace.kpi.js";
import { pulseMetrics, valueVsRevenue, weeklyStats } from "../../core/kpi/nurturing.kpi.js";
import { queueRecipients } from "../../core/segments/blast.js";
import { validateFilter } from "../../core/segments/filter.js";
import { previewFilter } from "../../core/segments/segment.service.js";
import { createPrisma } from "../../prisma/database.js";
import { readMigrations } from "../support/db.js";

const server = process.env.TEST_DATABASE_URL;
if (!server) throw new Error("set TEST_DATABASE_URL to a PostgreSQL server");
const OWNERS = 50;
const CUSTOMERS = 100_000;
const SEQUENCES = 200_000;
const NOW = new Date("2026-01-08T18:00:00.000Z");

const url = (db: string) => {
  const u = new URL(server);
  u.pathname = `/${db}`;
  if (!u.username) u.username = process.env.PGUSER || process.env.USER || "postgres";
  return u.toString();
};
const reuse = process.env.SCALE_DB; // time an existing scale database again (kept with KEEP_SCALE_DB=1)
const name = reuse ?? `leadrelay_scale_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: url(new URL(server).pathname.slice(1) || "postgres") });
await admin.connect();
if (!reuse) await admin.query(`CREATE DATABASE "${name}"`);
const client = new pg.Client({ connectionString: url(name) });
await client.connect();
const prisma = createPrisma(url(name), { poolSize: 4 });

async function step(label: string, sql: string) {
  const t = performance.now();
  await client.query(sql);
  console.log(`  ${label}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

/** Migrate and fill the scale database with generate_series (about three minutes). */
async function seed() {
  for (const m of await readMigrations()) await client.query(m.sql);
  console.log(`Seeding ${name} …`);
  const at = (days: number) => `timestamptz '${NOW.toISOString()}' - random() * interval '${days} days'`;
  await step(
    "owners",
    `INSERT INTO users (name, role, is_contractor, timezone)
    SELECT 'Scale ' || i, 'contractor', true, 'America/Phoenix' FROM generate_series(1, ${OWNERS}) i`,
  );
  await step(
    "customers",
    `CREATE TABLE o AS SELECT id, (row_number() OVER (ORDER BY id)) - 1 AS k FROM users;
    INSERT INTO customers (owner_id, name, email, phone, status, lead_source, pipeline_status, property_city,
      property_zip, created_at, last_activity_at, next_action_date, opted_out_at, preferred_contact_method)
    SELECT o.id, 'Customer ' || i, 'c' || i || '@example.com', '+1602' || lpad(i::text, 7, '0'),
      (ARRAY['lead','active','churned'])[1 + i % 3]::"CustomerStatus", (ARRAY['Referral','Google Ads',NULL])[1 + i % 3],
      (ARRAY['lead','invited','qualified','signed_up'])[1 + i % 4]::"CanonicalStatus",
      (ARRAY['Phoenix','Mesa','Tempe'])[1 + i % 3], '85' || lpad((i % 1000)::text, 3, '0'),
      ${at(365)}, ${at(90)}, ${at(30)} + interval '15 days', CASE WHEN i % 20 = 0 THEN ${at(30)} END,
      (ARRAY['email','sms',NULL])[1 + i % 3]::"ContactMethod"
    FROM generate_series(1, ${CUSTOMERS}) i JOIN o ON o.k = i % ${OWNERS};
    CREATE TABLE c AS SELECT id, owner_id, (row_number() OVER (ORDER BY id)) - 1 AS k FROM customers`,
  );
  await step(
    "sequences",
    `INSERT INTO nurturing_sequences (owner_id, customer_id, sequence_type, status, total_steps,
      started_at, outcome, outcome_at, revenue_usd, est_value_usd)
    SELECT c.owner_id, c.id, 'replacement_urgent',
      (ARRAY['active','paused','completed','cancelled'])[1 + i % 4]::"SequenceStatus", 5, ${at(60)},
      CASE i % 4 WHEN 2 THEN 'converted' WHEN 3 THEN 'lost' END::"SequenceOutcome",
      CASE WHEN i % 4 >= 2 THEN ${at(30)} END, CASE WHEN i % 4 = 2 THEN round((random() * 9000)::numeric, 2) END,
      round((random() * 15000)::numeric, 2)
    FROM generate_series(1, ${SEQUENCES}) i JOIN c ON c.k = i % ${CUSTOMERS}`,
  );
  await step(
    "1M sequence events",
    `INSERT INTO sequence_events (sequence_id, step_number, action_type, status,
      scheduled_at, executed_at, opened_at, clicked_at, message_content)
    SELECT s.id, g, 'sms', 'sent', ${at(60)}, ${at(60)}, CASE WHEN random() < 0.4 THEN ${at(30)} END,
      CASE WHEN random() < 0.15 THEN ${at(30)} END, 'Step ' || g
    FROM nurturing_sequences s CROSS JOIN generate_series(1, 5) g`,
  );
  await step(
    "1M Frazer events",
    `INSERT INTO event_logs (event_id, event_name, owner_id, customer_id, timestamp, payload_hash)
    SELECT 'scale-' || i, (ARRAY['INVITE_SENT','FOLLOW_UP','VIDEO_SENT','MEETING_BOOKED','NO_SHOW','DM_STARTED'])[1 + i % 6]::"EventName",
      c.owner_id, c.id, ${at(120)}, 'x'
    FROM generate_series(1, 1000000) i JOIN c ON c.k = i % ${CUSTOMERS}`,
  );
  await step(
    "reminders, appliances, payments",
    `
    INSERT INTO reminders (owner_id, customer_id, type, scheduled_for, completed, completed_at)
      SELECT c.owner_id, c.id, 'follow_up_24h', ${at(30)} + interval '10 days', i % 2 = 0, CASE WHEN i % 2 = 0 THEN ${at(30)} END
      FROM generate_series(1, 200000) i JOIN c ON c.k = i % ${CUSTOMERS};
    INSERT INTO appliances (customer_id, type, install_date, last_service_date)
      SELECT c.id, 'water_heater', (${at(7300)})::date, CASE WHEN i % 3 > 0 THEN ${at(1500)} END
      FROM generate_series(1, 120000) i JOIN c ON c.k = i % ${CUSTOMERS};
    INSERT INTO payments (owner_id, customer_id, amount, paid_at)
      SELECT c.owner_id, c.id, round((random() * 900)::numeric, 2), ${at(365)}
      FROM generate_series(1, 150000) i JOIN c ON c.k = i % ${CUSTOMERS}`,
  );
  await step(
    "leads, bids, messages, conversions",
    `
    INSERT INTO categories (slug, display_name) VALUES ('hvac', 'HVAC');
    INSERT INTO lead_sources (slug, display_name) VALUES ('web', 'Web');
    INSERT INTO leads (category_id, title, customer_name, customer_zip_code, lead_source, base_lead_cost, status, created_at)
      SELECT (SELECT id FROM categories), 'Lead ' || i, 'Name', '85004', 'web', 25,
        (ARRAY['CONTACTED','EXPIRED','ACTIVE','ARCHIVED'])[1 + i % 4]::"LeadStatus", ${at(90)}
      FROM generate_series(1, 50000) i;
    CREATE TABLE l AS SELECT id, (row_number() OVER (ORDER BY id)) - 1 AS k FROM leads;
    INSERT INTO bids (lead_id, contractor_id, bid_multiplier, final_bid_amount, bid_placed_at, status,
        response_window_starts_at, responded_at)
      SELECT l.id, o.id, 1, 25, ${at(90)}, 'WON', w.s, CASE WHEN random() < 0.7 THEN w.s + random() * interval '2 hours' END
      FROM l JOIN o ON o.k = l.k % ${OWNERS} CROSS JOIN LATERAL (SELECT ${at(90)} + l.k * interval '0 s' AS s) w;
    INSERT INTO messages (lead_id, sender_id, direction, is_automated, message_text, sent_at)
      SELECT b.lead_id, b.contractor_id, 'outbound', g = 1, 'hi', b.response_window_starts_at + g * interval '7 minutes'
      FROM bids b CROSS JOIN generate_series(1, 4) g;
    INSERT INTO conversions (lead_id, contractor_id, conversion_type, converted_at, revenue_usd)
      SELECT b.lead_id, b.contractor_id, 'booked', b.responded_at + interval '1 day', round((random() * 3000)::numeric, 2)
      FROM bids b WHERE b.responded_at IS NOT NULL;
    ANALYZE`,
  );
}

try {
  if (!reuse) await seed();
  const owner = (await client.query<{ id: string }>("SELECT id FROM users ORDER BY id LIMIT 1")).rows[0]!.id;
  const scopes: Array<[string, ApiScope]> = [
    ["one contractor (2k customers)", { kind: "contractor", ownerId: owner }],
    ["whole platform (100k)", { kind: "admin" }],
  ];
  const seedFilter = validateFilter({
    all: [
      { field: "equipment_age", op: ">", value: 10 },
      { field: "last_service_date", op: "<", value: "-6 months" },
    ],
  });
  if (!seedFilter.ok) throw new Error(seedFilter.message);
  const time = async (label: string, fn: () => Promise<unknown>) => {
    await fn(); // warm
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await fn();
      runs.push(performance.now() - t);
    }
    console.log(`| ${label} | ${Math.min(...runs).toFixed(0)} ms |`);
  };
  console.log("\n| query | best of 3 |\n| --- | --- |");
  for (const [label, scope] of scopes) {
    await time(`pulse — ${label}`, () => pulseMetrics(prisma, scope, NOW));
    await time(`weekly — ${label}`, () => weeklyStats(prisma, scope, NOW, "America/Phoenix"));
    await time(`activity (20) — ${label}`, () => recentActivity(prisma, scope, NOW, 20));
    await time(`value — ${label}`, () => valueVsRevenue(prisma, scope, null));
    await time(`marketplace — ${label}`, () => marketplaceKpis(prisma, scope, NOW, "America/Phoenix"));
    await time(`ticker — ${label}`, () => recentTicker(prisma, scope, NOW));
    const ownerId = scope.kind === "contractor" ? scope.ownerId : null;
    await time(`segment preview (seed example) — ${label}`, () =>
      previewFilter(prisma, ownerId, seedFilter.value, NOW),
    );
  }
  await time("DMO — one marketer (20k events)", () => dmoKpis(prisma, owner, NOW));
  const campaign = await prisma.$queryRaw<Array<{ id: string }>>`
    WITH s AS (INSERT INTO segments (owner_id, name, filter) VALUES (${owner}::uuid, 'all', '{"all":[]}') RETURNING id)
    INSERT INTO campaigns (owner_id, segment_id, name, body) SELECT ${owner}::uuid, s.id, 'scale', 'Hi' FROM s RETURNING id::text`;
  const t = performance.now();
  const run = await queueRecipients(prisma, {
    campaignId: campaign[0]!.id,
    ownerId: owner,
    filter: { all: [] },
    channel: "email",
    message: { subject: "Hi", body: "Hi {{first_name}}", template: null, variants: [] },
    lane: "bulk",
    now: NOW,
  });
  console.log(
    `| blast to one contractor's ${run.matched} customers (${run.queued} queued) | ${(performance.now() - t).toFixed(0)} ms |`,
  );
} finally {
  await prisma.$disconnect();
  await client.end();
  if (process.env.KEEP_SCALE_DB || reuse) console.log(`kept database ${name}`);
  else await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}
