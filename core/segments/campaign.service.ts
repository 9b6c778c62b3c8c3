/**
 * Blasts (seed 002 "Send Email Blast"): a campaign sends one message to every reachable,
 * opted-in customer of a segment through the outbox, on the bulk lane so transactional notices
 * never wait behind it. Sending is idempotent per campaign and customer.
 */
import { z } from "zod";
import type { Campaign, ChannelKind, MessageTemplate, Prisma } from "../../prisma/generated/client.js";
import type { ApiScope } from "../accounts/api-key.service.js";
import { ownedBy } from "../accounts/visibility.js";
import { type AuditActor, apiKeyActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { laneFor } from "../messaging/outbox.js";
import { transact } from "../service.js";
import { queueRecipients } from "./blast.js";
import { validateFilter } from "./filter.js";
import { getSegment } from "./segment.service.js";

const CHANNELS = ["telegram", "whatsapp", "email", "sms", "sandbox"] as const;

/** A new campaign: a segment and either a message template or a body (with an optional subject). */
export const campaignInputSchema = z
  .object({
    segment_id: z.string(),
    name: z.string().trim().min(1).max(255).optional(),
    message_template_id: z.string().optional(),
    subject: z.string().trim().min(1).max(255).optional(),
    body: z.string().trim().min(1).max(5000).optional(),
    channel: z.enum(CHANNELS).optional(),
  })
  .strict()
  .refine((v) => (v.message_template_id === undefined) !== (v.body === undefined), {
    message: "give either message_template_id or body",
    path: ["body"],
  });
export type CampaignInput = z.infer<typeof campaignInputSchema>;

/** What a send did. */
export interface SendResult {
  campaign: Campaign;
  /** True when the campaign had already been sent: nothing was queued again. */
  already_sent: boolean;
  /** Customers matching the segment at send time. */
  matched: number;
  /** Outbox rows added by this call (0 on a repeat). */
  queued: number;
  /** Of those, how many wait for the end of their customer's quiet hours (still queued, never dropped). */
  deferred: number;
  skipped: { opted_out: number; unreachable: number };
}

/** A template the owner may use (their own or a platform one), or null. */
async function usableTemplate(db: Db, ownerId: string, id: string): Promise<MessageTemplate | null> {
  if (!isUuid(id)) return null;
  return db.messageTemplate.findFirst({
    where: { id, is_active: true, OR: [{ owner_id: ownerId }, { owner_id: null }] },
  });
}

/** The campaigns a scope may see, newest first, with their segment's name. */
export async function listCampaigns(db: Db, scope: ApiScope) {
  return db.campaign.findMany({
    where: ownedBy(scope),
    orderBy: [{ created_at: "desc" }, { id: "asc" }],
    include: { segment: { select: { id: true, name: true } } },
  });
}

/** A campaign the scope may see, or NOT_FOUND. */
export async function getCampaign(db: Db, scope: ApiScope, id: string): Promise<Result<Campaign>> {
  if (!isUuid(id)) return fail("NOT_FOUND", "campaign not found");
  const campaign = await db.campaign.findFirst({ where: { id, ...ownedBy(scope) } });
  return campaign ? ok(campaign) : fail("NOT_FOUND", "campaign not found");
}

/**
 * Create a draft campaign on one of the scope's segments. The campaign belongs to the
 * segment's owner, so it can only ever reach that owner's customers.
 */
export async function createCampaign(
  deps: CoreDeps,
  scope: ApiScope,
  input: CampaignInput,
  actor: AuditActor = apiKeyActor(scope),
): Promise<Result<Campaign>> {
  const segment = await getSegment(deps.prisma, scope, input.segment_id);
  if (!segment.ok) return segment;
  const filter = validateFilter(segment.value.filter);
  if (!filter.ok) return filter;
  const template = input.message_template_id
    ? await usableTemplate(deps.prisma, segment.value.owner_id, input.message_template_id)
    : null;
  if (input.message_template_id && !template) return fail("NOT_FOUND", "message template not found");
  return transact(deps, async ({ tx, now }) => {
    const campaign = await tx.campaign.create({
      data: {
        owner_id: segment.value.owner_id,
        segment_id: segment.value.id,
        message_template_id: template?.id ?? null,
        name: input.name ?? `${segment.value.name} blast`,
        channel: input.channel ?? template?.channel ?? null,
        subject: input.subject ?? null,
        body: input.body ?? null,
        status: "draft",
        created_at: now,
      },
    });
    await writeAudit(tx, {
      actor,
      action: "campaign.created",
      entityType: "campaign",
      entityId: campaign.id,
      after: {
        segment_id: campaign.segment_id,
        channel: campaign.channel,
        template_id: campaign.message_template_id,
      },
      at: now,
    });
    return ok(campaign);
  });
}

/**
 * Send a campaign: every customer matching its segment now, of the campaign's owner only, gets
 * one bulk outbox row (dedupe key `campaign:<id>:<customer>`) unless they opted out or cannot be
 * reached on the chosen channel. The campaign goes draft → sending → sent with its counts.
 * Sending again is harmless: a sent campaign returns its counts; one left "sending" by a crash
 * resumes and queues only the customers that were not queued yet.
 */
export async function sendCampaign(
  deps: CoreDeps,
  scope: ApiScope,
  id: string,
  actor: AuditActor = apiKeyActor(scope),
): Promise<Result<SendResult>> {
  const found = await getCampaign(deps.prisma, scope, id);
  if (!found.ok) return found;
  const campaign = found.value;
  const none = { opted_out: 0, unreachable: 0 };
  if (campaign.status === "sent")
    return ok({ campaign, already_sent: true, matched: 0, queued: 0, deferred: 0, skipped: none });
  if (campaign.status === "cancelled") return fail("CONFLICT", "this campaign was cancelled");
  const segment = await deps.prisma.segment.findUniqueOrThrow({ where: { id: campaign.segment_id } });
  const filter = validateFilter(segment.filter);
  if (!filter.ok) return filter;
  const template = campaign.message_template_id
    ? await deps.prisma.messageTemplate.findUnique({ where: { id: campaign.message_template_id } })
    : null;
  if (!template && !campaign.body) return fail("VALIDATION_FAILED", "the campaign has neither a template nor a body");
  const variants = template
    ? await deps.prisma.messageTemplate.findMany({
        where: { key: template.key, owner_id: template.owner_id, is_active: true },
      })
    : [];

  const started = deps.clock.now();
  const claimed = await deps.prisma.campaign.updateMany({
    where: { id: campaign.id, status: { in: ["draft", "scheduled", "sending"] } },
    data: { status: "sending" },
  });
  if (claimed.count === 0) return sendCampaign(deps, scope, id); // it changed under us: report its state

  const run = await queueRecipients(deps.prisma, {
    campaignId: campaign.id,
    campaignName: campaign.name,
    ownerId: campaign.owner_id,
    filter: filter.value,
    channel: campaign.channel as ChannelKind | null,
    message: { subject: campaign.subject, body: campaign.body, template, variants },
    lane: laneFor({ kind: "blast", text: "" }),
    now: started,
    rules: deps.config,
  });

  return transact(deps, async ({ tx, now }) => {
    const recipients = await tx.outboundMessage.count({ where: { campaign_id: campaign.id } });
    const skipped = run.skipped.opted_out + run.skipped.unreachable;
    await tx.campaign.updateMany({
      where: { id: campaign.id, status: "sending" },
      data: { status: "sent", sent_at: now, recipient_count: recipients, skipped_count: skipped },
    });
    const sent = await tx.campaign.findUniqueOrThrow({ where: { id: campaign.id } });
    await writeAudit(tx, {
      actor,
      action: "campaign.sent",
      entityType: "campaign",
      entityId: campaign.id,
      after: { matched: run.matched, recipient_count: recipients, skipped: run.skipped } as Prisma.InputJsonValue,
      at: now,
    });
    return ok({
      campaign: sent,
      already_sent: false,
      matched: run.matched,
      queued: run.queued,
      deferred: run.deferred,
      skipped: run.skipped,
    });
  });
}

/**
 * Blast a segment in one call: create the campaign and send it (seed 002 "Send Email Blast").
 * The route asks for an explicit confirmation before calling this.
 */
export async function sendBlast(
  deps: CoreDeps,
  scope: ApiScope,
  input: CampaignInput,
  actor: AuditActor = apiKeyActor(scope),
): Promise<Result<SendResult>> {
  const created = await createCampaign(deps, scope, input, actor);
  if (!created.ok) return created;
  return sendCampaign(deps, scope, created.value.id, actor);
}
