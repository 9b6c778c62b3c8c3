/**
 * Open response windows in bulk, for the scaled-mode integration tests and the marketplace
 * benchmark: rows inserted directly (createMany) in the state openWindow leaves them in, their
 * `expire:<bidId>` wake-ups scheduled, and the lateness of their expiry read back.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { parseConfig } from "../../core/config/config.js";
import type { CoreDeps } from "../../core/context.js";
import { wakeKey } from "../../core/marketplace/wakeups.js";
import type { Scheduler } from "../../core/ports.js";
import type { PrismaClient } from "../../prisma/generated/client.js";

export interface OpenWindow {
  bidId: string;
  leadId: string;
  contractorId: string;
  endsAt: Date;
}

/**
 * Insert `count` leads in PENDING_RESPONSE_1, each with one WON rank-1 bid whose window ends
 * between `firstDueAt` and `firstDueAt + spreadMs` (evenly), spread over `contractors`
 * contractors (each with a sandbox chat, so expiry notices are queued as in production). Each
 * lead's customer can be reached (an e-mail and a phone), so an unanswered window is a plain
 * expiry with its strike — not an UNREACHABLE lead (DESIGN.md "Unreachable customers").
 * Batched createMany: 10,000 windows take a second or two.
 */
export async function seedOpenWindows(
  prisma: PrismaClient,
  opts: { count: number; contractors: number; firstDueAt: Date; spreadMs: number },
): Promise<OpenWindow[]> {
  const tag = randomBytes(4).toString("hex");
  const category = await prisma.category.create({ data: { slug: `bench-${tag}`, display_name: "Bench" } });
  const contractorIds = Array.from({ length: opts.contractors }, () => randomUUID());
  await prisma.user.createMany({
    data: contractorIds.map((id, i) => ({
      id,
      name: `Bench ${tag} ${i}`,
      email: `bench-${tag}-${i}@example.com`,
      role: "contractor" as const,
      service_area_zip_codes: ["85004"],
      contractor_categories: [category.id],
    })),
  });
  await prisma.channelIdentity.createMany({
    data: contractorIds.map((id, i) => ({ channel: "sandbox" as const, address: `bench-${tag}-${i}`, user_id: id })),
  });
  const first = opts.firstDueAt.getTime();
  // The windows opened a minute ago (before any deadline, so retimeWindows may move them up).
  const starts = new Date(Math.min(Date.now(), first) - 60_000);
  const windows: OpenWindow[] = Array.from({ length: opts.count }, (_, i) => ({
    bidId: randomUUID(),
    leadId: randomUUID(),
    contractorId: contractorIds[i % contractorIds.length] as string,
    endsAt: new Date(first + Math.floor((i * opts.spreadMs) / Math.max(1, opts.count - 1))),
  }));
  for (let i = 0; i < windows.length; i += 2_000) {
    const chunk = windows.slice(i, i + 2_000);
    await prisma.lead.createMany({
      data: chunk.map((w, j) => ({
        id: w.leadId,
        category_id: category.id,
        title: `Bench lead ${tag} ${i + j}`,
        customer_name: "Bench Customer",
        customer_email: `customer-${w.leadId.slice(0, 8)}@example.com`,
        customer_phone: `+1602555${String((i + j) % 10_000).padStart(4, "0")}`,
        customer_zip_code: "85004",
        lead_source: "bench",
        base_lead_cost: "40.00",
        status: "PENDING_RESPONSE_1" as const,
        current_rank: 1,
        bidding_closes_at: starts,
        created_at: starts,
        updated_at: starts,
      })),
    });
    await prisma.bid.createMany({
      data: chunk.map((w) => ({
        id: w.bidId,
        lead_id: w.leadId,
        contractor_id: w.contractorId,
        bid_multiplier: "1.00",
        final_bid_amount: "40.00",
        bid_rank: 1,
        bid_placed_at: starts,
        status: "WON" as const,
        response_window_starts_at: starts,
        response_window_ends_at: w.endsAt,
        // The warning is not what is measured; mark it done so the reconciler leaves it.
        window_warned_at: starts,
        created_at: starts,
        updated_at: starts,
      })),
    });
  }
  return windows;
}

/** Schedule every window's `expire:<bidId>` wake-up, `concurrency` calls at a time. */
export async function scheduleExpiries(scheduler: Scheduler, windows: OpenWindow[], concurrency = 50): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < windows.length) {
      const w = windows[next++] as OpenWindow;
      await scheduler.at(wakeKey("expire", w.bidId), w.endsAt);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

/** How many of `bidIds` are EXPIRED, and each one's lateness (expired-at stamp − window end) in ms. */
export async function expiryLateness(
  prisma: PrismaClient,
  bidIds: string[],
): Promise<{ expired: number; latenessMs: number[]; lastAtMs: number }> {
  const rows = await prisma.$queryRaw<Array<{ ms: number; at: number }>>`
    SELECT (EXTRACT(EPOCH FROM (updated_at - response_window_ends_at)) * 1000)::float8 AS ms,
      (EXTRACT(EPOCH FROM updated_at) * 1000)::float8 AS at
    FROM bids WHERE status = 'EXPIRED' AND id = ANY(${bidIds}::uuid[])`;
  const latenessMs = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
  const lastAtMs = rows.reduce((max, r) => Math.max(max, Number(r.at)), 0);
  return { expired: latenessMs.length, latenessMs, lastAtMs };
}

/** Count of `bidIds` already EXPIRED. */
export async function countExpired(prisma: PrismaClient, bidIds: string[]): Promise<number> {
  return prisma.bid.count({ where: { id: { in: bidIds }, status: "EXPIRED" } });
}

/** The p-th percentile (0–100) of an ascending array, nearest rank. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** Core dependencies on the real clock (these measurements are about real time). */
export function realDeps(prisma: PrismaClient, scheduler: Scheduler, env: Record<string, string> = {}): CoreDeps {
  return {
    prisma,
    clock: { now: () => new Date() },
    ids: { token: (bytes = 16) => randomBytes(bytes).toString("base64url") },
    scheduler,
    config: parseConfig({ NODE_ENV: "test", RESPONSE_WINDOW: "5s", WINDOW_WARNING: "1s", ...env }),
    log: process.env.BENCH_LOG ? { info: console.error, warn: console.error } : { info() {}, warn() {} },
  };
}

/** Resolve when `cond` holds, or when `timeoutMs` ran out (returns whether it held). */
export async function waitUntil(cond: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Move already-seeded windows to end from `firstDueAt` over `spreadMs` (same order as seeded), in
 * one statement. Seeding 10,000 rows on a busy machine can take longer than any fixed head start,
 * so the bench seeds far ahead, then sets the real deadlines just before scheduling them.
 */
export async function retimeWindows(
  prisma: PrismaClient,
  windows: OpenWindow[],
  firstDueAt: Date,
  spreadMs: number,
): Promise<OpenWindow[]> {
  const first = firstDueAt.getTime();
  const moved = windows.map((w, i) => ({
    ...w,
    endsAt: new Date(first + Math.floor((i * spreadMs) / Math.max(1, windows.length - 1))),
  }));
  const ids = moved.map((w) => w.bidId);
  const ends = moved.map((w) => w.endsAt.toISOString());
  await prisma.$executeRaw`
    UPDATE bids b SET response_window_ends_at = v.ends
    FROM unnest(${ids}::uuid[], ${ends}::timestamptz[]) AS v(id, ends)
    WHERE b.id = v.id`;
  return moved;
}
