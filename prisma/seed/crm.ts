/**
 * Deal pipelines and stages (seed 002, plus the Frazer "Recruiting & Sales" vocabulary mapped
 * onto the canonical statuses) and the deals on the Kanban, some "Sent" for more than 3 days
 * so the stale-estimate rule has work to do.
 */
import type { CanonicalStatus, Prisma } from "../generated/client.js";
import { customerRef } from "./customers.js";
import { at, count, DAY, demoId, HOUR, type SeedContext } from "./kit.js";
import { opportunityId } from "./nurturing.js";
import { type PersonKey, userId } from "./people.js";

type StageSpec = [name: string, probability: number, canonical: CanonicalStatus | null, flag?: "won" | "lost"];

interface PipelineSpec {
  key: string;
  name: string;
  owner: PersonKey | null;
  kind: string;
  stages: StageSpec[];
}

const PIPELINES: readonly PipelineSpec[] = [
  {
    key: "residential",
    name: "Residential Replacements",
    owner: null,
    kind: "sales",
    stages: [
      ["New Lead", 10, "lead"],
      ["Site Visit Scheduled", 30, "qualified"],
      ["Sent", 50, "presentation_sent"],
      ["Negotiation", 70, "follow_up"],
      ["Won", 100, "signed_up", "won"],
      ["Lost", 0, null, "lost"],
    ],
  },
  {
    key: "replacements",
    name: "Replacements",
    owner: null,
    kind: "tech_upsell",
    stages: [
      ["New Lead", 10, "lead"],
      ["Site Visit Scheduled", 30, "qualified"],
      ["Sent", 50, "presentation_sent"],
      ["Won", 100, "signed_up", "won"],
      ["Lost", 0, null, "lost"],
    ],
  },
  {
    key: "recruiting",
    name: "Recruiting & Sales",
    owner: "marketer",
    kind: "recruiting",
    stages: [
      ["New", 10, "lead"],
      ["Qualified", 25, "qualified"],
      ["Booked", 40, "qualified"],
      ["Held", 60, "presentation_sent"],
      ["Won", 100, "signed_up", "won"],
      ["Lost", 0, null, "lost"],
      ["No-Show", 20, "qualified"],
      ["Joined", 100, "signed_up", "won"],
    ],
  },
];

/** One deal: the owner is the customer's; `opp` links the customer's opportunity. */
type DealSpec = [customer: string, stage: string, title: string, value: number, stageAgo: number, extra?: DealExtra];
type DealExtra = { opp?: true; revenue?: number; lost?: string };

const DEALS: Record<string, DealSpec[]> = {
  residential: [
    ["nguyen", "Sent", "3-ton AC + coil replacement", 11800, 6 * DAY, { opp: true }],
    ["delgado", "Site Visit Scheduled", "Water heater code fixes + replacement", 2400, 2 * DAY, { opp: true }],
    ["patel", "New Lead", "Heat pump upgrade", 14500, 1 * DAY],
    ["acosta", "Negotiation", "Second-floor heat pump", 9800, 5 * DAY],
    ["brennan", "Won", "Full system replacement (R-22 retirement)", 9000, 9 * DAY, { opp: true, revenue: 9000 }],
    ["hayes", "Lost", "4-ton AC replacement", 8700, 15 * DAY, { lost: "Went with a cheaper bid" }],
    ["lead:ac-estimate-archived", "Won", "3.5-ton AC replacement", 8450, 38 * DAY, { revenue: 8450 }],
    ["fischer", "Sent", "Tankless upgrade", 3900, 4 * DAY],
    ["romero", "Won", "Expansion tank + new 50-gal heater", 4500, 12 * DAY, { opp: true, revenue: 4500 }],
    ["begay", "Sent", "Whole-house water softener", 2600, 1 * DAY],
    ["lead:tankless-install", "Site Visit Scheduled", "Tankless install", 4200, 4 * HOUR],
  ],
  replacements: [
    ["whitaker", "New Lead", "Water heater replacement (flagged by tech Luis)", 2100, 20 * DAY, { opp: true }],
  ],
  recruiting: [
    ["jensen", "Qualified", "Business presentation", 1200, 1 * DAY],
    ["miles", "Booked", "Zoom with Jordan", 1200, 3 * DAY],
    ["webb", "No-Show", "Zoom with Marcus (missed)", 1200, 5 * HOUR],
    ["andersen", "Held", "Presentation follow-up", 1200, 3 * DAY],
    ["brooks", "Joined", "Tanya joins the team", 2400, 8 * DAY, { revenue: 2400 }],
    ["shaw", "Won", "Starter pack customer", 599, 16 * DAY, { revenue: 599 }],
  ],
};

const pipelineId = (key: string) => demoId(`pipeline:${key}`);
const stageId = (pipeline: string, stage: string) => demoId(`stage:${pipeline}:${stage}`);

/** Insert the pipelines, their stages and the deals. */
export async function seedDeals(ctx: SeedContext): Promise<void> {
  const { tx } = ctx;
  const pipelines = await tx.dealPipeline.createMany({
    data: PIPELINES.map((p) => ({
      id: pipelineId(p.key),
      name: p.name,
      owner_id: p.owner ? userId(p.owner) : null,
      kind: p.kind,
      created_at: at(ctx, -90 * DAY),
    })),
  });
  count(ctx, "deal_pipelines", pipelines.count);
  const stages = await tx.dealStage.createMany({
    data: PIPELINES.flatMap((p) =>
      p.stages.map(([name, probability, canonical, flag], position) => ({
        id: stageId(p.key, name),
        pipeline_id: pipelineId(p.key),
        name,
        probability,
        position,
        canonical_status: canonical,
        is_won: flag === "won",
        is_lost: flag === "lost",
        created_at: at(ctx, -90 * DAY),
      })),
    ),
  });
  count(ctx, "deal_stages", stages.count);

  const deals: Prisma.DealCreateManyInput[] = Object.entries(DEALS).flatMap(([pipeline, rows]) =>
    rows.map(([customer, stage, title, value, stageAgo, extra]) => {
      const ref = customerRef(customer);
      const stageSpec = PIPELINES.find((p) => p.key === pipeline)?.stages.find(([name]) => name === stage);
      if (!stageSpec) throw new Error(`demo deal ${title}: no stage ${pipeline}/${stage}`);
      const flag = stageSpec[3];
      const entered = at(ctx, -stageAgo);
      return {
        id: demoId(`deal:${pipeline}:${customer}`),
        owner_id: userId(ref.owner),
        customer_id: ref.id,
        pipeline_id: pipelineId(pipeline),
        stage_id: stageId(pipeline, stage),
        opportunity_id: extra?.opp ? opportunityId(customer) : null,
        title,
        value_usd: value.toFixed(2),
        status: flag ?? "open",
        stage_entered_at: entered,
        last_activity_at: entered,
        closed_at: flag ? entered : null,
        revenue_usd: extra?.revenue?.toFixed(2),
        lost_reason: extra?.lost,
        created_at: new Date(entered.getTime() - 3 * DAY),
        updated_at: entered,
      };
    }),
  );
  count(ctx, "deals", (await tx.deal.createMany({ data: deals })).count);
}
