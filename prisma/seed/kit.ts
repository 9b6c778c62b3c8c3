/**
 * Shared helpers for the demo seed: stable ids, a seeded PRNG, time arithmetic relative to
 * the caller's `now`, and the per-table counts the summary reports. Nothing here reads the
 * clock or `Math.random`, so the demo world is the same on every machine.
 */
import { createHash } from "node:crypto";
import type { Prisma } from "../generated/client.js";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A stable UUID-shaped id for a seed key (sha256-based, version nibble 8 = "custom"). */
export function demoId(key: string): string {
  const h = createHash("sha256").update(`leadrelay-demo:${key}`).digest("hex");
  const variant = ((Number.parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Hex sha256 of a JSON value (used for `event_logs.payload_hash`). */
export function sha256Json(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

/** mulberry32: a tiny deterministic PRNG returning floats in [0, 1). */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Everything a seed part needs: the open transaction, `now`, the PRNG and the counters. */
export interface SeedContext {
  tx: Prisma.TransactionClient;
  now: Date;
  rng: () => number;
  counts: Map<string, number>;
}

/** Build a fresh context (the PRNG seed is a constant: same data on every run). */
export function createContext(tx: Prisma.TransactionClient, now: Date): SeedContext {
  return { tx, now, rng: createRng(0x1ead_2e1a), counts: new Map() };
}

/** The instant `offsetMs` away from `now` (negative = in the past). */
export function at(ctx: SeedContext, offsetMs: number): Date {
  return new Date(ctx.now.getTime() + offsetMs);
}

/** `base` moved by `offsetMs`. */
export function shift(base: Date, offsetMs: number): Date {
  return new Date(base.getTime() + offsetMs);
}

/** A whole number in [min, max] from the seeded PRNG. */
export function randInt(ctx: SeedContext, min: number, max: number): number {
  return min + Math.floor(ctx.rng() * (max - min + 1));
}

/** Record that `n` rows went into `table` (the summary prints these). */
export function count(ctx: SeedContext, table: string, n: number): void {
  ctx.counts.set(table, (ctx.counts.get(table) ?? 0) + n);
}

/** A calendar date `years` (and `days`) before `now`, at UTC midnight (for DATE columns). */
export function yearsAgo(ctx: SeedContext, years: number, days = 0): Date {
  const d = new Date(ctx.now.getTime());
  d.setUTCFullYear(d.getUTCFullYear() - years);
  d.setUTCDate(d.getUTCDate() - days);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** Replace `{{name}}` placeholders; unknown ones are left as they are. */
export function render(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => vars[name] ?? whole);
}

/** The first word of a person's name. */
export function firstName(name: string): string {
  return name.split(" ")[0] ?? name;
}
