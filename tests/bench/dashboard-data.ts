/**
 * The dashboard benchmark's world, generated in SQL with generate_series (about a minute on a
 * 2-core machine): 50 owners (40 contractors, 10 marketers), 100,000 customers, 1,000,000
 * event_logs rows denser towards `now`, 50,000 nurturing sequences with 200,000 steps, 50,000
 * marketplace leads with 150,000 bids (a third won), their messages and conversions, and 50,000
 * reminders — so every dashboard query has real work.
 */
import type pg from "pg";

/** Row counts the generator makes (for the report). */
export const SIZES = {
  owners: 50,
  customers: 100_000,
  events: 1_000_000,
  sequences: 50_000,
  sequenceSteps: 200_000,
  leads: 50_000,
  bids: 150_000,
  reminders: 50_000,
} as const;

/** Each statement with its label, in order; `$1` is always `now`. */
const STATEMENTS: ReadonlyArray<[string, string]> = [
  [
    "owners",
    `INSERT INTO users (name, email, role, is_contractor, timezone)
     SELECT CASE WHEN g <= 40 THEN 'Bench Contractor ' || lpad(g::text, 2, '0')
                 ELSE 'A Bench Marketer ' || lpad(g::text, 2, '0') END,
       'owner' || g || '@bench.example',
       (CASE WHEN g <= 40 THEN 'contractor' ELSE 'marketer' END)::"UserRole", g <= 40, 'America/Phoenix'
     FROM generate_series(1, 50) g`,
  ],
  [
    "customers",
    `INSERT INTO customers (owner_id, name, email, status, pipeline_status, stage_entered_at, last_activity_at,
       next_action, next_action_date, created_at, updated_at)
     SELECT o.ids[1 + g % 50], 'Bench Customer ' || g, 'cust' || g || '@bench.example',
       (CASE WHEN g % 10 = 0 THEN 'churned' WHEN g % 3 = 0 THEN 'active' ELSE 'lead' END)::"CustomerStatus",
       (enum_range(NULL::"CanonicalStatus"))[1 + g % 7],
       $1::timestamptz - (g % 200) * interval '1 day',
       $1::timestamptz - ((g * 7) % 400) * interval '1 hour' - (g % 60) * interval '1 day',
       CASE WHEN g % 5 = 0 THEN 'Call back' END,
       CASE WHEN g % 5 = 0 THEN $1::timestamptz + ((g % 21) - 10) * interval '1 day' END,
       $1::timestamptz - (g % 365) * interval '1 day', $1::timestamptz
     FROM generate_series(1, 100000) g,
       (SELECT array_agg(id ORDER BY email) AS ids FROM users WHERE email LIKE '%@bench.example') o`,
  ],
  [
    "customer index",
    `CREATE TEMP TABLE bc AS
     SELECT id, owner_id, row_number() OVER (ORDER BY created_at, id) AS rn FROM customers WHERE email LIKE 'cust%@bench.example';
     CREATE UNIQUE INDEX ON bc (rn); ANALYZE bc`,
  ],
  [
    "event_logs",
    `INSERT INTO event_logs (event_id, event_name, customer_id, owner_id, source, timestamp, payload_hash, created_at)
     SELECT 'bench-' || g, (enum_range(NULL::"EventName"))[1 + (g * 7) % 13], bc.id, bc.owner_id, 'ig', x.t,
       md5(g::text), x.t + interval '1 second'
     FROM generate_series(1, 1000000) g
     JOIN bc ON bc.rn = 1 + (g::bigint * 7919) % 100000
     CROSS JOIN LATERAL (SELECT $1::timestamptz - 60 * interval '1 second'
       - power((1000000 - g) / 1000000.0, 2) * 365 * interval '1 day' AS t) x`,
  ],
  [
    "sequences",
    `INSERT INTO nurturing_sequences (owner_id, customer_id, sequence_type, status, current_step, total_steps,
       started_at, outcome, outcome_at, revenue_usd, est_value_usd, created_at)
     SELECT bc.owner_id, bc.id, (ARRAY['water_heater', 'hvac_replacement', 'maintenance'])[1 + g % 3],
       (CASE WHEN g % 10 < 3 THEN 'active' WHEN g % 10 = 3 THEN 'paused' ELSE 'completed' END)::"SequenceStatus",
       1, 4, x.s,
       (CASE WHEN g % 10 BETWEEN 4 AND 6 THEN 'converted' WHEN g % 10 = 7 THEN 'lost'
             WHEN g % 10 = 8 THEN 'stopped' END)::"SequenceOutcome",
       CASE WHEN g % 10 BETWEEN 4 AND 8 THEN least($1::timestamptz, x.s + (1 + g % 30) * interval '1 day') END,
       CASE WHEN g % 10 BETWEEN 4 AND 5 THEN 1000 + g % 9000 END,
       500 + (g % 200) * 50, x.s
     FROM generate_series(1, 50000) g
     JOIN bc ON bc.rn = 2 * g
     CROSS JOIN LATERAL (SELECT $1::timestamptz - ((g::bigint * 7919) % (180 * 86400)) * interval '1 second' AS s) x`,
  ],
  [
    "sequence steps",
    `INSERT INTO sequence_events (sequence_id, step_number, action_type, status, scheduled_at, executed_at,
       opened_at, clicked_at, message_content)
     SELECT s.id, k, (ARRAY['sms', 'email', 'whatsapp', 'call_reminder'])[k]::"SequenceAction",
       (CASE WHEN x.at < $1::timestamptz THEN 'sent' ELSE 'pending' END)::"SequenceEventStatus", x.at,
       CASE WHEN x.at < $1::timestamptz THEN x.at END,
       CASE WHEN x.at < $1::timestamptz AND hashtext(s.id::text || k) % 3 = 0
            THEN least($1::timestamptz, x.at + interval '1 hour') END,
       CASE WHEN x.at < $1::timestamptz AND hashtext(s.id::text || k) % 9 = 0
            THEN least($1::timestamptz, x.at + interval '2 hours') END,
       'Step ' || k
     FROM nurturing_sequences s CROSS JOIN generate_series(1, 4) k
     CROSS JOIN LATERAL (SELECT s.started_at + (k - 1) * interval '2 days' AS at) x`,
  ],
  [
    "reference",
    `INSERT INTO categories (slug, display_name) VALUES ('bench', 'Bench');
     INSERT INTO lead_sources (slug, display_name) VALUES ('bench', 'Bench')`,
  ],
  [
    "leads",
    `INSERT INTO leads (category_id, title, customer_name, customer_zip_code, lead_source, base_lead_cost, status,
       created_at, updated_at)
     SELECT c.id, 'Bench lead ' || g, 'Lead Customer ' || g, '85001', 'bench', 25,
       (enum_range(NULL::"LeadStatus"))[1 + g % 9], x.t, x.t
     FROM generate_series(1, 50000) g, (SELECT id FROM categories WHERE slug = 'bench') c,
       LATERAL (SELECT $1::timestamptz - ((g::bigint * 104729) % (365 * 86400)) * interval '1 second' AS t) x`,
  ],
  [
    "bids",
    `INSERT INTO bids (lead_id, contractor_id, bid_multiplier, final_bid_amount, bid_rank, bid_placed_at, status,
       response_window_starts_at, response_window_ends_at, responded_at)
     SELECT l.id, o.ids[1 + (l.n * 3 + k) % 40], 1.00, 25, k + 1, l.created_at,
       (CASE WHEN k = 0 THEN 'WON' ELSE 'LOST' END)::"BidStatus",
       CASE WHEN k = 0 THEN l.created_at + interval '15 minutes' END,
       CASE WHEN k = 0 THEN l.created_at + interval '75 minutes' END,
       CASE WHEN k = 0 AND l.n % 5 < 3 THEN l.created_at + interval '15 minutes' + (l.n % 300) * interval '1 minute' END
     FROM (SELECT id, created_at, row_number() OVER (ORDER BY id) AS n FROM leads) l
     CROSS JOIN generate_series(0, 2) k,
       (SELECT array_agg(id ORDER BY email) AS ids FROM users WHERE role = 'contractor' AND email LIKE '%@bench.example') o`,
  ],
  [
    "messages",
    `INSERT INTO messages (lead_id, sender_id, direction, is_automated, message_text, sent_at)
     SELECT b.lead_id, b.contractor_id, 'outbound'::"MessageDirection", true, 'Thanks, we will call you shortly.',
       b.response_window_starts_at + interval '10 seconds'
     FROM bids b WHERE b.status = 'WON'
     UNION ALL
     SELECT b.lead_id, b.contractor_id, 'outbound'::"MessageDirection", false, 'Hi, this is your contractor.', b.responded_at
     FROM bids b WHERE b.status = 'WON' AND b.responded_at IS NOT NULL
     UNION ALL
     SELECT b.lead_id, NULL::uuid, 'inbound'::"MessageDirection", false, 'Sounds good.', b.responded_at + interval '5 minutes'
     FROM bids b WHERE b.status = 'WON' AND b.responded_at IS NOT NULL`,
  ],
  [
    "conversions",
    `INSERT INTO conversions (lead_id, contractor_id, conversion_type, converted_at, revenue_usd)
     SELECT b.lead_id, b.contractor_id, t.type::"ConversionType",
       least($1::timestamptz, b.responded_at + t.days * interval '1 day'),
       CASE WHEN t.type <> 'contacted' THEN 200 + hashtext(b.id::text) % 100 * 20 + 2000 END
     FROM bids b
     CROSS JOIN (VALUES ('contacted', 0), ('booked', 2), ('paid', 9)) t(type, days)
     WHERE b.status = 'WON' AND b.responded_at IS NOT NULL
       AND (t.type = 'contacted' OR (t.type = 'booked' AND hashtext(b.id::text) % 2 = 0)
         OR (t.type = 'paid' AND hashtext(b.id::text) % 4 = 0))`,
  ],
  [
    "reminders",
    `INSERT INTO reminders (owner_id, customer_id, type, scheduled_for, completed, completed_at, message)
     SELECT bc.owner_id, bc.id, (enum_range(NULL::"ReminderType"))[1 + g % 6],
       $1::timestamptz + ((g % 61) - 30) * interval '1 day',
       g % 3 = 0, CASE WHEN g % 3 = 0 THEN $1::timestamptz - (g % 30) * interval '1 day' END, 'Follow up'
     FROM generate_series(1, 50000) g JOIN bc ON bc.rn = 2 * g - 1`,
  ],
  // What autovacuum does to a bulk-loaded table: statistics, and the visibility map that lets
  // index-only scans skip the heap.
  ["vacuum analyze", "VACUUM ANALYZE"],
  // Write the bulk load's dirty pages out now, not during the measurement.
  ["checkpoint", "CHECKPOINT"],
];

/** Fill the (empty, migrated) database behind `client`; reports each step's time to `progress`. */
export async function generateDashboardWorld(
  client: pg.Client,
  now: Date,
  progress: (line: string) => void,
): Promise<Array<[string, number]>> {
  const took: Array<[string, number]> = [];
  for (const [label, sql] of STATEMENTS) {
    const t0 = performance.now();
    // Multi-statement strings cannot take parameters: inline `now` as a literal there.
    if (sql.includes(";")) await client.query(sql.replaceAll("$1::timestamptz", `'${now.toISOString()}'::timestamptz`));
    else if (sql.includes("$1")) await client.query(sql, [now]);
    else await client.query(sql);
    const ms = performance.now() - t0;
    took.push([label, ms]);
    progress(`generated ${label} in ${(ms / 1000).toFixed(1)} s`);
  }
  return took;
}
