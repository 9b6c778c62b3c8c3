/**
 * Fixtures for marketplace property tests: one database with a few categories and lead
 * sources, and "runs" that each make their own contractors and ZIP codes so many runs can
 * share it, with a scheduler that can be restarted (pending wake-ups lost).
 */
import { createContractor } from "../../core/accounts/contractor.service.js";
import type { CoreDeps } from "../../core/context.js";
import { handleMarketplaceWakeup } from "../../core/marketplace/deadlines.js";
import { createWorld, type TestWorld } from "./deps.js";
import { RecordingScheduler } from "./scheduler.js";

export const CATEGORIES = ["hvac", "plumbing", "roofing"] as const;
/** Two lead sources with different bidding windows (15 minutes and 2 minutes). */
export const SOURCES = [
  { slug: "website", seconds: 900 },
  { slug: "quick", seconds: 120 },
] as const;
/** ZIP codes per run; run N owns ZIPS_PER_RUN codes no other run serves. */
const ZIPS_PER_RUN = 2;

/** A world with CATEGORIES and SOURCES created; `env` as for createWorld. */
export async function createMarketplaceWorld(env: Record<string, string>): Promise<TestWorld> {
  const w = await createWorld(env);
  for (const slug of CATEGORIES) await w.prisma.category.create({ data: { slug, display_name: slug } });
  for (const s of SOURCES) {
    await w.prisma.leadSource.create({
      data: { slug: s.slug, display_name: s.slug, bidding_window_seconds: s.seconds, default_base_lead_cost: "40.00" },
    });
  }
  return w;
}

export interface RunContractor {
  id: string;
  rating: number;
  zips: string[];
  cats: string[];
}

/** What a contractor of a run serves: indexes into the run's ZIPs and CATEGORIES. */
export interface ContractorSpec {
  rating: number;
  zips: readonly number[];
  cats: readonly number[];
}

export interface MarketRun {
  w: TestWorld;
  /** The world's deps with this run's current scheduler. */
  deps: CoreDeps;
  /** One scheduler per "process life"; the last is current. */
  schedulers: RecordingScheduler[];
  zips: string[];
  contractors: RunContractor[];
  leads: string[];
}

let runCount = 0;

/** Start a run: fresh ZIP codes, a fresh scheduler and the contractors of `specs` (unique e-mails). */
export async function startRun(w: TestWorld, specs: readonly ContractorSpec[]): Promise<MarketRun> {
  const no = ++runCount;
  const zips = Array.from({ length: ZIPS_PER_RUN }, (_, z) => String(20000 + no * ZIPS_PER_RUN + z));
  const scheduler = new RecordingScheduler();
  const run: MarketRun = {
    w,
    deps: { ...w.deps, scheduler },
    schedulers: [scheduler],
    zips,
    contractors: [],
    leads: [],
  };
  for (const [i, s] of specs.entries()) {
    const c = {
      rating: s.rating,
      zips: s.zips.map((z) => zips[z] as string),
      cats: s.cats.map((k) => CATEGORIES[k] as string),
    };
    const r = await createContractor(run.deps, {
      name: `Run ${no} contractor ${i}`,
      email: `run${no}-c${i}@example.com`,
      service_area_zip_codes: c.zips,
      categories: c.cats,
      profile_rating: c.rating,
    });
    if (!r.ok) throw new Error(r.message);
    run.contractors.push({ id: r.value.id, ...c });
  }
  return run;
}

/** A process restart: a new scheduler, so every pending wake-up is lost. */
export function restart(run: MarketRun): void {
  const scheduler = new RecordingScheduler();
  run.schedulers.push(scheduler);
  run.deps = { ...run.deps, scheduler };
}

/** What the scheduler would do now: hand every due key of the current process to the handler. */
export async function fireDue(run: MarketRun): Promise<void> {
  const current = run.schedulers.at(-1) as RecordingScheduler;
  for (const key of current.takeDue(run.w.clock.now())) await handleMarketplaceWakeup(run.deps, key);
}

/** Every wake-up this run ever asked for, across restarts (fired or not). */
export function scheduledWakeups(run: MarketRun): Array<{ key: string; when: Date }> {
  return run.schedulers.flatMap((s) =>
    s.calls.flatMap((c) => (c.op === "at" && c.when ? [{ key: c.key, when: c.when }] : [])),
  );
}

/** A lead with its bids, strikes and conversions, to compare before and after a no-op. */
export async function leadSnapshot(w: TestWorld, leadId: string) {
  return w.prisma.lead.findUniqueOrThrow({
    where: { id: leadId },
    include: { bids: { orderBy: { id: "asc" } }, strikes: true, conversions: true },
  });
}

/** xs[i] wrapping around; undefined for an empty list. */
export const pick = <T>(xs: readonly T[], i: number): T | undefined =>
  xs.length === 0 ? undefined : xs[i % xs.length];

/** The i-th newest lead of the run (wrapping), so most steps touch leads that are still live. */
export const recentLead = (run: MarketRun, i: number): string | undefined => pick([...run.leads].reverse(), i);
