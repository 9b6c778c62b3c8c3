/**
 * The backtest's synthetic data (seed 003 "Backtest Kit"): N contacts across sources, UTM
 * campaigns and funnel stages, the event each of them produces in each wave of the Frazer
 * funnel, and the delivery plan — originals, ~20 % duplicate deliveries (same id, same body;
 * some in the same wave, racing the original, some one wave late) and a few conflicting
 * redeliveries (same id, another body). Pure and deterministic: the same seed, the same data.
 */

import { createRng } from "../../prisma/seed/kit.js";

/** The funnel, one wave per step; wave 4 is NO_SHOW or MEETING_HELD. */
export const WAVES = [
  ["DM_STARTED"],
  ["INVITE_SENT"],
  ["VIDEO_SENT"],
  ["MEETING_BOOKED"],
  ["NO_SHOW", "MEETING_HELD"],
  ["FOLLOW_UP"],
  ["JOINED_TEAM"],
] as const;
export type FunnelEvent = (typeof WAVES)[number][number];

/** The fake clock starts on a Monday morning; waves are 12 hours apart (Mon 09:00 … Thu 09:00 UTC). */
export const START_AT = Date.parse("2026-01-05T09:00:00.000Z");
const WAVE_GAP_MS = 12 * 3_600_000;
/** Events arrive up to this long after they happened (their timestamp is earlier than the clock). */
const MAX_DELIVERY_LAG_MS = 3 * 3_600_000;
/** The checks run this long after the last wave: every reminder is due by then. */
const CHECK_AFTER_LAST_WAVE_MS = 3 * 3_600_000;
/** The marketer's time zone: the DMO "today" and "this week" are local (Kundekort is Norwegian). */
export const MARKETER_TZ = "Europe/Oslo";

export const waveAt = (wave: number) => START_AT + wave * WAVE_GAP_MS;
export const CHECK_AT = waveAt(WAVES.length - 1) + CHECK_AFTER_LAST_WAVE_MS;

/** Chance to go on from each wave to the next (a funnel: most prospects stop early). */
const CONTINUE = [0.85, 0.8, 0.75, 0.85, /* after the meeting wave: */ 0.8, 0.55] as const;
const NO_SHOW_SHARE = 0.3;
/** A no-show goes on to a follow-up less often than someone who held the meeting. */
const NO_SHOW_CONTINUE = 0.4;
const SOURCES = [
  ["ig", 0.3],
  ["messenger", 0.12],
  ["whatsapp", 0.2],
  ["web", 0.15],
  ["ads", 0.18],
  ["manual", 0.05],
] as const;
type Source = (typeof SOURCES)[number][0];
const FIRST = ["Anna", "Lars", "Ingrid", "Ole", "Sofie", "Jonas", "Emma", "Henrik", "Nora", "Mats", "Maria", "Ahmed"];
const LAST = ["Hansen", "Johansen", "Olsen", "Larsen", "Berg", "Haugen", "Nilsen", "Dahl", "Lund", "Moe", "Khan"];
const CAMPAIGNS = ["spring-launch", "team-builder", "free-webinar", "story-series", "retarget-7d"];

export interface Contact {
  index: number;
  name: string;
  email?: string;
  phone?: string;
  handle?: string;
  source: Source;
  utm: Record<string, string>;
  /** Later events name the customer by e-mail instead of customer_id (the webhook way). */
  byEmail: boolean;
  /** The contact's events, one per wave reached, in order. */
  events: PlannedEvent[];
}

export interface PlannedEvent {
  eventId: string;
  contact: number;
  wave: number;
  name: FunnelEvent;
  /** ISO timestamp: when it happened (≤ the clock when delivered). */
  timestamp: string;
  properties: Record<string, unknown>;
}

/** One POST /api/events to make: which event, in which wave, and what kind of delivery. */
export interface Delivery {
  eventId: string;
  /** The wave whose clock it is delivered at; WAVES.length = the final redelivery batch. */
  wave: number;
  kind: "original" | "duplicate" | "conflict";
}

export interface Dataset {
  seed: number;
  contacts: Contact[];
  events: Map<string, PlannedEvent>;
  deliveries: Delivery[];
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

function weighted<T>(r: () => number, xs: ReadonlyArray<readonly [T, number]>): T {
  let x = r();
  for (const [v, w] of xs) {
    x -= w;
    if (x < 0) return v;
  }
  return (xs.at(-1) as readonly [T, number])[0];
}

function contactDetails(r: () => number, i: number, source: Source) {
  const first = pick(r, FIRST);
  const name = `${first} ${pick(r, LAST)}`;
  const slug = `${first.toLowerCase()}${i}`;
  const email = `${slug}@example.com`;
  const phone = `+479${String(i).padStart(7, "0")}`;
  const handle = `@${slug}`;
  const both = r() < 0.5;
  if (source === "ig" || source === "messenger") return { name, handle, ...(both ? { email } : {}) };
  if (source === "whatsapp") return { name, phone, ...(both ? { email } : {}) };
  return { name, email, ...(both ? { phone } : {}) };
}

function utmFor(r: () => number, source: Source): Record<string, string> {
  if (source === "ads") {
    return {
      utm_source: pick(r, ["facebook", "instagram", "tiktok", "google"]),
      utm_medium: "cpc",
      utm_campaign: pick(r, CAMPAIGNS),
      utm_content: `ad-${1 + Math.floor(r() * 12)}`,
    };
  }
  if (source === "web") return { utm_source: pick(r, ["newsletter", "blog", "linktree"]), utm_medium: "referral" };
  return { utm_source: source, utm_medium: "dm", utm_campaign: pick(r, CAMPAIGNS) };
}

/**
 * N contacts and their events. Each contact starts with DM_STARTED and goes on wave by wave
 * with the funnel's odds; at the meeting it is a no-show or held. Timestamps lag the wave's
 * clock by up to MAX_DELIVERY_LAG_MS, to the second.
 */
export function generateDataset(n: number, seed: number, opts: { duplicateRate?: number } = {}): Dataset {
  // The demo seed's PRNG (mulberry32): the data must not depend on Math.random.
  const r = createRng(seed);
  const contacts: Contact[] = [];
  const events = new Map<string, PlannedEvent>();
  for (let i = 0; i < n; i++) {
    const source = weighted(r, SOURCES);
    const details = contactDetails(r, i, source);
    const contact: Contact = {
      index: i,
      ...details,
      source,
      utm: utmFor(r, source),
      byEmail: "email" in details && r() < 0.25,
      events: [],
    };
    for (let wave = 0; wave < WAVES.length; wave++) {
      const prev = contact.events.at(-1);
      if (prev) {
        const odds = prev.name === "NO_SHOW" ? NO_SHOW_CONTINUE : (CONTINUE[wave - 1] ?? 0);
        if (r() >= odds) break;
      }
      const names = WAVES[wave] as readonly FunnelEvent[];
      const name = names.length > 1 && r() < NO_SHOW_SHARE ? (names[0] as FunnelEvent) : (names.at(-1) as FunnelEvent);
      const lagMs = Math.floor(r() * (MAX_DELIVERY_LAG_MS / 1000)) * 1000;
      const e: PlannedEvent = {
        eventId: `bt-${seed}-${i}-${wave}`,
        contact: i,
        wave,
        name,
        timestamp: new Date(waveAt(wave) - lagMs).toISOString(),
        properties: { step: wave, channel: source, ...(name === "VIDEO_SENT" ? { video: "intro-3min" } : {}) },
      };
      contact.events.push(e);
      events.set(e.eventId, e);
    }
    contacts.push(contact);
  }
  return { seed, contacts, events, deliveries: planDeliveries(r, [...events.values()], opts.duplicateRate ?? 0.2) };
}

/**
 * Every event once, plus a duplicate for `duplicateRate` of them (60 % in the same wave, so it
 * races the original; 40 % one wave later, as a late webhook retry) and a conflicting
 * redelivery for 1 % of them (always a wave later, once the original has been answered, so the
 * original is the one that wins). Shuffled within each wave.
 */
function planDeliveries(r: () => number, events: PlannedEvent[], duplicateRate: number): Delivery[] {
  const byWave: Delivery[][] = Array.from({ length: WAVES.length + 1 }, () => []);
  for (const e of events) {
    byWave[e.wave]?.push({ eventId: e.eventId, wave: e.wave, kind: "original" });
    if (r() < duplicateRate) {
      const wave = r() < 0.6 ? e.wave : e.wave + 1;
      byWave[wave]?.push({ eventId: e.eventId, wave, kind: "duplicate" });
    }
    if (r() < 0.01) byWave[e.wave + 1]?.push({ eventId: e.eventId, wave: e.wave + 1, kind: "conflict" });
  }
  for (const list of byWave) {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [list[i], list[j]] = [list[j] as Delivery, list[i] as Delivery];
    }
  }
  return byWave.flat();
}
