/**
 * Replay a generated dataset through `POST /api/events` over real HTTP, wave by wave: the server
 * moves its fake clock to the wave's time in TICK_MS steps (firing the wake-ups that fall due, as
 * the scheduler would: `advanceClockTo`), then the wave's deliveries are sent with bounded
 * concurrency. The first wave's answers give each contact's customer_id, which later events use
 * (or the contact's e-mail, for contacts that are named the webhook way). The replay runs in the
 * client's own process (replay-client.ts); the clock, the wake-ups and the database stay with
 * the server, which the client asks over its IPC channel.
 */
import { CHECK_AT, type Contact, type Dataset, type Delivery, type PlannedEvent, WAVES, waveAt } from "./generate.js";
import { inPool, type JsonClient } from "./http.js";

/** How many requests between two maintain() calls. */
const MAINTAIN_EVERY = 5_000;

/** How far the fake clock moves at a time between waves; due wake-ups fire at each step. */
export const TICK_MS = 30 * 60_000;

export interface DeliveryOutcome {
  delivery: Delivery;
  status: number;
  body: string;
  ms: number;
  /** Set when the request could not be made (no customer_id known, network error). */
  error?: string;
}

export interface ReplayResult {
  outcomes: DeliveryOutcome[];
  /** Contact index → customer id, from the answers to DM_STARTED. */
  customerIds: Map<number, string>;
  wakeups: number;
  /** Per wave: requests sent, time spent sending, and the wake-ups fired on the way to its clock. */
  waves: Array<{ phase: string; requests: number; sendMs: number; wakeups: number; wakeupMs: number }>;
  /** CPU time of the client's process while sending. */
  sendCpuMs: number;
  /** Milliseconds spent sending events (clock moves and wake-ups excluded). */
  sendMs: number;
  replayMs: number;
}

export interface ReplayOptions {
  client: JsonClient;
  /** Move the server's fake clock forward to `at` (ms since epoch, see advanceClockTo); the wake-ups fired. */
  advanceTo(at: number): Promise<number>;
  /** Fire what is due at the server's clock now; how many. */
  runDue(): Promise<number>;
  /**
   * Called after every MAINTAIN_EVERY requests (and before each wave): refresh the planner's
   * statistics, as autovacuum would on a production server (the test server runs without it).
   */
  maintain?(): Promise<void>;
  concurrency: number;
  /** Nothing new starts after this (ms since epoch). */
  deadline: number;
  onProgress?: (done: number, total: number, phase: string) => void;
}

/** The JSON body of an event; a conflicting redelivery changes one property. */
function eventBody(e: PlannedEvent, c: Contact, customerId: string | undefined, conflict = false) {
  const properties = conflict ? { ...e.properties, redelivered: "with another payload" } : e.properties;
  const base = { event_id: e.eventId, event_name: e.name, timestamp: e.timestamp, source: c.source, properties };
  if (e.wave === 0) {
    const customer = {
      name: c.name,
      ...(c.email ? { email: c.email } : {}),
      ...(c.phone ? { phone: c.phone } : {}),
      ...(c.handle ? { handle: c.handle } : {}),
    };
    return { ...base, customer, utm: c.utm, consent: { marketing: true, collected_via: c.source } };
  }
  if (c.byEmail) return { ...base, customer: { email: c.email } };
  if (!customerId) return null;
  return { ...base, customer_id: customerId };
}

/**
 * The server's side of a clock move: forward to `at` in TICK_MS steps, firing the wake-ups due
 * at each step (as the scheduler would); answers how many fired. Bounded: at most
 * (at − now) / TICK_MS steps.
 */
export async function advanceClockTo(
  clock: { now(): Date; set(at: number): void },
  runDue: () => Promise<number>,
  at: number,
): Promise<number> {
  let fired = 0;
  while (clock.now().getTime() < at) {
    clock.set(Math.min(at, clock.now().getTime() + TICK_MS));
    fired += await runDue();
  }
  return fired;
}

export async function replay(data: Dataset, o: ReplayOptions): Promise<ReplayResult> {
  const started = performance.now();
  const customerIds = new Map<number, string>();
  const outcomes: DeliveryOutcome[] = [];
  const total = data.deliveries.length;
  let done = 0;
  let wakeups = 0;
  let sendMs = 0;
  let sendCpuMs = 0;
  let sent = 0;
  const waves: ReplayResult["waves"] = [];
  const byWave = new Map<number, Delivery[]>();
  for (const d of data.deliveries) {
    const list = byWave.get(d.wave);
    if (list) list.push(d);
    else byWave.set(d.wave, [d]);
  }

  for (let wave = 0; wave <= WAVES.length; wave++) {
    const at = wave < WAVES.length ? waveAt(wave) : CHECK_AT;
    const w0 = performance.now();
    const fired = await o.advanceTo(at);
    wakeups += fired;
    await o.maintain?.();
    const wakeupMs = performance.now() - w0;
    const phase = wave < WAVES.length ? `wave ${wave + 1}/${WAVES.length} ${WAVES[wave]?.join("/")}` : "redeliveries";
    o.onProgress?.(done, total, phase);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const list = byWave.get(wave) ?? [];
    const results = await inPool(
      list,
      o.concurrency,
      async (d): Promise<DeliveryOutcome> => {
        const e = data.events.get(d.eventId) as PlannedEvent;
        const c = data.contacts[e.contact] as Contact;
        const body = eventBody(e, c, customerIds.get(c.index), d.kind === "conflict");
        if (!body) return { delivery: d, status: 0, body: "", ms: 0, error: "no customer_id known for the contact" };
        try {
          const r = await o.client.post("/api/events", body);
          if (++sent % MAINTAIN_EVERY === 0) await o.maintain?.();
          return { delivery: d, ...r };
        } catch (err) {
          return { delivery: d, status: 0, body: "", ms: 0, error: (err as Error).message };
        }
      },
      { deadline: o.deadline, onDone: () => o.onProgress?.(++done, total, phase) },
    );
    sendMs += performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    sendCpuMs += (cpu.user + cpu.system) / 1000;
    waves.push({ phase, requests: list.length, sendMs: performance.now() - t0, wakeups: fired, wakeupMs });
    for (const r of results) outcomes.push(r);
    if (wave === 0) {
      for (const r of results) {
        if (r.status !== 200 && r.status !== 201) continue;
        const id = (JSON.parse(r.body) as { customer_id?: string | null }).customer_id;
        const e = data.events.get(r.delivery.eventId) as PlannedEvent;
        if (id) customerIds.set(e.contact, id);
      }
    }
  }
  // Whatever fell due exactly at the check time.
  wakeups += await o.runDue();
  return { outcomes, customerIds, wakeups, waves, sendMs, sendCpuMs, replayMs: performance.now() - started };
}
