/**
 * Seed 000 nurturing: opportunities with equipment forensics, and sequences in every status
 * (active, paused, completed as converted or lost, cancelled) with their step events, opens,
 * clicks and tracked links. Step times follow the template delays from `started_at`.
 */
import ms from "ms";
import { estValueFor } from "../../core/nurturing/est-value.js";
import type { DeliveryStatus, Prisma } from "../generated/client.js";
import { CUSTOMERS, customerId } from "./customers.js";
import { at, count, DAY, demoId, firstName, MINUTE, randInt, render, type SeedContext, shift } from "./kit.js";
import { OPPORTUNITIES, SEQUENCES } from "./nurturing-data.js";
import { senderName, userId } from "./people.js";
import { SEQUENCE_TEMPLATES, type TemplateIds } from "./templates.js";

/** The stable id of a demo opportunity by customer key. */
export function opportunityId(customer: string): string {
  return demoId(`opportunity:${customer}`);
}

const spec = (key: string) => {
  const c = CUSTOMERS.find((x) => x.key === key);
  if (!c) throw new Error(`demo customer ${key} missing`);
  return c;
};

/** What the provider reported: sent steps were delivered (a call reminder only "sent"), later ones wait or were skipped. */
function deliveryStatus(due: boolean, failed: boolean, channel: string, running: boolean): DeliveryStatus | null {
  if (!due) return running ? "pending" : null;
  if (failed) return "failed";
  return channel === "call_reminder" ? "sent" : "delivered";
}

/** Insert the opportunities (before deals, which point at them). */
export async function seedOpportunities(ctx: SeedContext): Promise<void> {
  const rows: Prisma.OpportunityCreateManyInput[] = OPPORTUNITIES.map((o) => {
    const c = spec(o.customer);
    return {
      id: opportunityId(o.customer),
      owner_id: userId(c.owner),
      customer_id: customerId(o.customer),
      customer_name: c.name,
      customer_phone: c.phone,
      customer_email: c.email,
      property_address: c.address ?? "",
      property_city: "Phoenix",
      property_state: "AZ",
      property_zip: c.zip ?? "85004",
      opportunity_type: o.type,
      priority: o.priority,
      status: o.status,
      job_complexity: o.complexity ?? "STANDARD",
      asset_brand: o.brand,
      asset_age_years: o.age.toFixed(2),
      forensic_inputs: o.inputs,
      health_score: o.health,
      bio_age: o.bioAge.toFixed(2),
      fail_probability: o.fail,
      verdict_action: o.verdict,
      created_at: at(ctx, -Math.min(c.createdAgo, 30 * DAY)),
      updated_at: at(ctx, -Math.min(c.activityAgo, 30 * DAY)),
    };
  });
  count(ctx, "opportunities", (await ctx.tx.opportunity.createMany({ data: rows })).count);
}

/** Insert the sequences, their step events and the tracked links behind `{{link}}`. */
export async function seedSequences(ctx: SeedContext, templates: TemplateIds): Promise<void> {
  const sequences: Prisma.NurturingSequenceCreateManyInput[] = [];
  const events: Prisma.SequenceEventCreateManyInput[] = [];
  const links: Prisma.TrackedLinkCreateManyInput[] = [];
  for (const s of SEQUENCES) {
    const c = spec(s.customer);
    const tpl = SEQUENCE_TEMPLATES[s.template];
    if (!tpl) throw new Error(`demo sequence template ${s.template} missing`);
    const seqId = demoId(`sequence:${s.customer}:${s.template}`);
    const startedAt = at(ctx, -s.startedAgo);
    const stopAt = s.stopAgo !== undefined ? at(ctx, -s.stopAgo) : ctx.now;
    const opp = s.opportunity ? OPPORTUNITIES.find((o) => o.customer === s.customer) : undefined;
    const company = senderName(c.owner);
    let when = startedAt;
    let lastSent = 0;
    let clicks = 0;
    let secondClickAt: Date | null = null;
    let nextPending: Date | null = null;
    tpl.steps.forEach((step, i) => {
      const n = i + 1;
      when = shift(when, ms(step.delay as ms.StringValue));
      const eventId = demoId(`sequence-event:${seqId}:${n}`);
      const token = `d${eventId.replace(/-/g, "").slice(0, 11)}`;
      const text = render(step.text, {
        first_name: firstName(c.name),
        company_name: company,
        asset_brand: opp?.brand ?? "system",
        asset_age_years: String(opp?.age ?? ""),
        link: `https://leadrelay.local/t/${token}`,
      });
      const e = s.engagement?.[n];
      const due = when <= stopAt;
      const executed = due ? shift(when, randInt(ctx, 1, 3) * MINUTE) : null;
      const clickedAt = executed && e?.clickedMin !== undefined ? shift(when, e.clickedMin * MINUTE) : null;
      if (clickedAt) {
        clicks += 1;
        if (clicks === 2) secondClickAt = clickedAt;
      }
      if (due) lastSent = n;
      else nextPending ??= when;
      const running = s.status === "active" || s.status === "paused";
      events.push({
        id: eventId,
        sequence_id: seqId,
        step_number: n,
        action_type: step.channel,
        status: due ? (e?.failed ? "failed" : "sent") : running ? "pending" : "skipped",
        scheduled_at: when,
        executed_at: executed,
        delivery_status: deliveryStatus(due, Boolean(e?.failed), step.channel, running),
        message_content: text,
        opened_at: executed && e?.openedMin !== undefined ? shift(when, e.openedMin * MINUTE) : null,
        clicked_at: clickedAt,
        error_message: due ? e?.failed : undefined,
      });
      if (step.text.includes("{{link}}") && (due || running)) {
        links.push({
          token,
          url: c.owner === "marketer" ? "https://risewithmette.example/video" : "https://desertbreeze.example/options",
          customer_id: customerId(s.customer),
          sequence_event_id: eventId,
          click_count: clickedAt ? 1 : 0,
          first_clicked_at: clickedAt,
          last_clicked_at: clickedAt,
          created_at: when,
        });
      }
    });
    const ended = s.status === "completed" || s.status === "cancelled";
    const [outcome, reason, revenue] = s.outcome ?? [null, null, null];
    sequences.push({
      id: seqId,
      owner_id: userId(c.owner),
      customer_id: customerId(s.customer),
      opportunity_id: opp ? opportunityId(s.customer) : null,
      template_id: templates.sequences.get(s.template) ?? null,
      sequence_type: s.template,
      status: s.status,
      current_step: ended ? Math.max(lastSent, 1) : Math.min(lastSent + 1, tpl.steps.length),
      total_steps: tpl.steps.length,
      next_action_at: s.status === "active" ? nextPending : null,
      started_at: startedAt,
      completed_at: ended ? stopAt : null,
      paused_at: s.status === "paused" ? stopAt : null,
      outcome,
      outcome_reason: reason,
      outcome_step: outcome ? lastSent : null,
      outcome_at: outcome ? stopAt : null,
      revenue_usd: revenue?.toFixed(2),
      est_value_usd: opp ? estValueFor(opp.type) : null,
      click_count: clicks,
      high_interest_at: secondClickAt,
      created_at: startedAt,
    });
  }
  count(ctx, "nurturing_sequences", (await ctx.tx.nurturingSequence.createMany({ data: sequences })).count);
  count(ctx, "sequence_events", (await ctx.tx.sequenceEvent.createMany({ data: events })).count);
  count(ctx, "tracked_links", (await ctx.tx.trackedLink.createMany({ data: links })).count);
}
