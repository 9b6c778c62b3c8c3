/**
 * Demo data: a believable Phoenix, AZ world of contractors, a marketer, leads in every state,
 * customers, pipelines, nurturing and service history — all relative to the `now` passed in,
 * with stable ids and a seeded PRNG, so every run on a fresh database gives the same data.
 *
 * Idempotent: the `demo.seeded_at` setting is claimed first inside the one transaction; a
 * second run (or a concurrent one, which waits on that row) finds it and changes nothing.
 */
import type { PrismaClient } from "./generated/client.js";
import { seedActivity } from "./seed/activity.js";
import { seedDeals } from "./seed/crm.js";
import { seedCustomers } from "./seed/customers.js";
import { createContext, type SeedContext } from "./seed/kit.js";
import { seedMarketplace } from "./seed/marketplace.js";
import { seedOpportunities, seedSequences } from "./seed/nurturing.js";
import { ADMIN_EMAIL, CONTRACTORS, MANAGER, MARKETER, seedPeople, userId } from "./seed/people.js";
import { seedReference } from "./seed/reference.js";
import { seedService } from "./seed/service.js";
import { seedTemplates } from "./seed/templates.js";
import type { ProgressFn } from "./tools/progress.js";

export const DEMO_SEEDED_KEY = "demo.seeded_at";
export const ALREADY_SEEDED = "Demo data already present.";

/** The tables the summary reports, grouped the way the product is. */
export const SUMMARY_GROUPS: Readonly<Record<string, readonly string[]>> = {
  marketplace: [
    "categories",
    "lead_sources",
    "leads",
    "bids",
    "strike_logs",
    "ban_appeals",
    "conversions",
    "messages",
    "contractor_metrics",
  ],
  crm: [
    "users",
    "customers",
    "channel_identities",
    "deal_pipelines",
    "deal_stages",
    "deals",
    "customer_interactions",
    "reminders",
    "event_logs",
  ],
  nurturing: [
    "opportunities",
    "sequence_templates",
    "nurturing_sequences",
    "sequence_events",
    "tracked_links",
    "message_templates",
    "prompt_templates",
  ],
  service: [
    "technicians",
    "jobs",
    "payments",
    "expenses",
    "appliances",
    "reviews",
    "customer_technician_ratings",
    "service_follow_ups",
    "segments",
    "campaigns",
    "settings",
  ],
};

/** The seed's phases, in order (what a progress report counts). */
const SEED_PHASES = [
  "reference data",
  "people",
  "templates",
  "customers",
  "marketplace",
  "opportunities",
  "deals",
  "activity",
  "sequences",
  "service records",
] as const;

/**
 * Fill a fresh database with the demo world; returns a multi-line summary (or ALREADY_SEEDED).
 * `onProgress` hears each phase as it starts (the CLI draws a bar from it).
 */
export async function seedDemoData(prisma: PrismaClient, now: Date, onProgress?: ProgressFn): Promise<string> {
  const total = SEED_PHASES.length;
  const phase = (i: number) => onProgress?.(i, total, SEED_PHASES[i] ?? "done");
  return prisma.$transaction(
    async (tx) => {
      const claimed = await tx.setting.createMany({
        data: [{ key: DEMO_SEEDED_KEY, value: now.toISOString(), updated_at: now }],
        skipDuplicates: true,
      });
      if (claimed.count === 0) return ALREADY_SEEDED;
      const ctx = createContext(tx, now);
      ctx.counts.set("settings", 1);
      phase(0);
      const ref = await seedReference(ctx);
      phase(1);
      await seedPeople(ctx, ref);
      phase(2);
      const templates = await seedTemplates(ctx);
      phase(3);
      await seedCustomers(ctx);
      phase(4);
      const highlights = await seedMarketplace(ctx, ref);
      phase(5);
      await seedOpportunities(ctx);
      phase(6);
      await seedDeals(ctx);
      phase(7);
      await seedActivity(ctx);
      phase(8);
      await seedSequences(ctx, templates);
      phase(9);
      await seedService(ctx, templates);
      phase(total);
      return summarise(ctx, highlights);
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
}

function summarise(ctx: SeedContext, highlights: string[]): string {
  const lines = [`Demo data seeded (times relative to ${ctx.now.toISOString()}):`];
  for (const [group, tables] of Object.entries(SUMMARY_GROUPS)) {
    lines.push(`  ${group.padEnd(13)}${tables.map((t) => `${t} ${ctx.counts.get(t) ?? 0}`).join(", ")}`);
  }
  const team = CONTRACTORS.filter((c) => c.onManagersTeam).map((c) => c.company);
  lines.push(
    "People (the admin's panel password is printed at the first start, or comes from ADMIN_EMAIL/ADMIN_PASSWORD):",
    `  admin          ${ADMIN_EMAIL}`,
    `  sales manager  ${MANAGER.email}  ${userId("manager")}  team: ${team.join(", ")}`,
  );
  for (const c of CONTRACTORS) {
    const role = c.key === "quickfix" ? "banned" : "contractor";
    lines.push(`  ${role.padEnd(15)}${c.email.padEnd(36)}${userId(c.key)}  ${c.company} (${c.rating.toFixed(1)}★)`);
  }
  lines.push(
    `  marketer       ${MARKETER.email.padEnd(36)}${userId("marketer")}  ${MARKETER.name} (Frazer method)`,
    "Try:",
    ...highlights,
  );
  return lines.join("\n");
}
