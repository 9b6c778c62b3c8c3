/**
 * Drafts awaiting a person's approval (`ai_drafts`): a reply to a customer's message ("✨ Suggest
 * reply" in chat), a daily follow-up suggestion, an occasion greeting. The rule of the house: the
 * model (or the rules) only drafts; a draft reaches the customer only when its owner taps Send,
 * and then through the one customer-message path (sendToCustomerIn), in the same transaction that
 * claims the draft — so a double tap, or two devices, send it once.
 */
import type { AiDraft } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import {
  MAX_CUSTOMER_MESSAGE_CHARS,
  type SentToCustomer,
  sendToCustomerIn,
} from "../messaging/conversation.service.js";
import { transact } from "../service.js";
import { AI_TTL_MS } from "./customer-ai.service.js";
import { askLlm, type Engine } from "./llm-gateway.js";
import { ruleReply } from "./reply-rules.js";
import { replyDraftSchema } from "./schemas.js";
import { ruleSentiment } from "./sentiment-rules.js";

export type DraftKind = "reply" | "followup" | "greeting";
export type DraftStatus = "pending" | "sent" | "discarded";

/** A draft as the chat and the panel show it. */
export interface DraftView {
  id: string;
  kind: DraftKind;
  status: DraftStatus;
  text: string;
  engine: Engine;
  customerId: string;
  customerName: string;
  channel: string | null;
  createdAt: Date;
}

/** How many earlier messages of the conversation a reply draft reads. */
const CONVERSATION_LINES = 6;

type DraftRow = AiDraft & { customer: { name: string } };

function viewOf(d: DraftRow): DraftView {
  return {
    id: d.id,
    kind: d.kind as DraftKind,
    status: d.status as DraftStatus,
    text: d.text,
    engine: d.engine as Engine,
    customerId: d.customer_id,
    customerName: d.customer.name,
    channel: d.channel,
    createdAt: d.created_at,
  };
}

const withCustomer = { customer: { select: { name: true } } } as const;

/** One of `ownerId`'s drafts (NOT_FOUND for anyone else's). */
export async function getDraft(deps: CoreDeps, ownerId: string, draftId: string): Promise<Result<DraftView>> {
  if (!isUuid(ownerId) || !isUuid(draftId)) return fail("NOT_FOUND", "draft not found");
  const d = await deps.prisma.aiDraft.findFirst({ where: { id: draftId, owner_id: ownerId }, include: withCustomer });
  return d ? ok(viewOf(d)) : fail("NOT_FOUND", "draft not found");
}

/**
 * Draft a reply to one inbound customer message of `ownerId`'s own customer. One draft per
 * message (dedupe key `reply:<messageId>`): asking again shows the pending draft (no new model
 * call), a sent one as sent; a discarded one is drafted afresh. The model writes it when it can
 * (the customer's words fenced as untrusted data), else the rules' template in their language.
 */
export async function suggestReply(deps: CoreDeps, ownerId: string, messageId: string): Promise<Result<DraftView>> {
  if (!isUuid(ownerId) || !isUuid(messageId)) return fail("NOT_FOUND", "message not found");
  const message = await deps.prisma.message.findFirst({
    where: { id: messageId, direction: "inbound", customer: { owner_id: ownerId } },
    include: { customer: { include: { owner: { select: { name: true, company_name: true } } } } },
  });
  const customer = message?.customer;
  if (!message || !customer) return fail("NOT_FOUND", "message not found");
  const dedupeKey = `reply:${message.id}`;
  const existing = await deps.prisma.aiDraft.findUnique({ where: { dedupe_key: dedupeKey }, include: withCustomer });
  if (existing && existing.status !== "discarded") return ok(viewOf(existing));
  const history = await deps.prisma.message.findMany({
    where: { customer_id: customer.id, id: { not: message.id } },
    orderBy: { sent_at: "desc" },
    take: CONVERSATION_LINES,
  });
  const ownerName = customer.owner.company_name || customer.owner.name;
  const language = customer.language_preference;
  const llm = await askLlm(deps, {
    feature: "reply_draft",
    schema: replyDraftSchema,
    vars: {
      language,
      customer_name: customer.name,
      status: customer.pipeline_status,
      sentiment: ruleSentiment(message.message_text).sentiment,
      owner_name: ownerName,
    },
    untrusted: {
      message: message.message_text.slice(0, 2000),
      conversation:
        history
          .map((m) => `- ${m.direction === "inbound" ? "customer" : "owner"}: ${m.message_text.slice(0, 300)}`)
          .join("\n") || "none",
    },
    known: [customer.phone, customer.email, customer.property_address],
    ownerId,
    ttlMs: AI_TTL_MS.followup_suggestions,
  });
  const rules = ruleReply({ message: message.message_text, language, customerName: customer.name, ownerName });
  const text = (llm?.value.message ?? rules.text).slice(0, MAX_CUSTOMER_MESSAGE_CHARS);
  const engine: Engine = llm ? "llm" : "rules";
  const now = deps.clock.now();
  const data = { text, engine, status: "pending", updated_at: now, decided_at: null, detail: { reply: rules.kind } };
  const saved = await deps.prisma.aiDraft.upsert({
    where: { dedupe_key: dedupeKey },
    create: {
      ...data,
      owner_id: ownerId,
      customer_id: customer.id,
      kind: "reply",
      channel: message.channel,
      source_message_id: message.id,
      dedupe_key: dedupeKey,
      created_at: now,
    },
    update: data,
    include: withCustomer,
  });
  return ok(viewOf(saved));
}

/** A reply draft to the customer's latest inbound message (a nudge or an old notice names only the customer). */
export async function suggestReplyToCustomer(
  deps: CoreDeps,
  ownerId: string,
  customerId: string,
): Promise<Result<DraftView>> {
  if (!isUuid(ownerId) || !isUuid(customerId)) return fail("NOT_FOUND", "message not found");
  const latest = await deps.prisma.message.findFirst({
    where: { customer_id: customerId, direction: "inbound", customer: { owner_id: ownerId } },
    orderBy: { sent_at: "desc" },
    select: { id: true },
  });
  return latest ? suggestReply(deps, ownerId, latest.id) : fail("NOT_FOUND", "message not found");
}

/** What Send did: sent now, or it had been sent already (a second tap). */
export type SentDraft =
  | { already: false; draft: DraftView; sent: SentToCustomer }
  | { already: true; draft: DraftView };

/**
 * Send a pending draft: claim it (pending → sent, a conditional update) and send its text through
 * the one customer-message path in the same transaction. A second tap finds it sent and sends
 * nothing; a refusal (opted out, unreachable) rolls the claim back, so the draft stays pending.
 * A discarded draft is not sent (CONFLICT).
 */
export async function sendDraft(deps: CoreDeps, ownerId: string, draftId: string): Promise<Result<SentDraft>> {
  const found = await getDraft(deps, ownerId, draftId);
  if (!found.ok) return found;
  return transact<SentDraft>(deps, async ({ tx, now }) => {
    const claimed = await tx.aiDraft.updateMany({
      where: { id: draftId, owner_id: ownerId, status: "pending" },
      data: { status: "sent", decided_at: now, updated_at: now },
    });
    const row = await tx.aiDraft.findUniqueOrThrow({ where: { id: draftId }, include: withCustomer });
    if (claimed.count === 0) {
      return row.status === "sent"
        ? ok({ already: true as const, draft: viewOf(row) })
        : fail("CONFLICT", "this draft was discarded");
    }
    const sent = await sendToCustomerIn(tx, deps.config, now, {
      ownerId,
      customerId: row.customer_id,
      text: row.text,
    });
    if (!sent.ok) return sent;
    const done = await tx.aiDraft.update({
      where: { id: draftId },
      data: { sent_message_id: sent.value.messageId },
      include: withCustomer,
    });
    return ok({ already: false as const, draft: viewOf(done), sent: sent.value });
  });
}

/** Discard a pending draft; a sent or discarded one is answered as it is (idempotent). */
export async function discardDraft(deps: CoreDeps, ownerId: string, draftId: string): Promise<Result<DraftView>> {
  const found = await getDraft(deps, ownerId, draftId);
  if (!found.ok) return found;
  const now = deps.clock.now();
  await deps.prisma.aiDraft.updateMany({
    where: { id: draftId, owner_id: ownerId, status: "pending" },
    data: { status: "discarded", decided_at: now, updated_at: now },
  });
  return getDraft(deps, ownerId, draftId);
}

/**
 * Replace a pending draft's words with the owner's own (Edit): it stays a draft — still only Send
 * sends it. A sent or discarded draft cannot be edited (CONFLICT).
 */
export async function editDraft(
  deps: CoreDeps,
  ownerId: string,
  draftId: string,
  text: string,
): Promise<Result<DraftView>> {
  const words = text.trim();
  if (words.length === 0) return fail("VALIDATION_FAILED", "the message is empty", [{ field: "text" }]);
  if (words.length > MAX_CUSTOMER_MESSAGE_CHARS) {
    return fail("MESSAGE_TOO_LONG", `a message is at most ${MAX_CUSTOMER_MESSAGE_CHARS} characters`, {
      max: MAX_CUSTOMER_MESSAGE_CHARS,
      length: words.length,
    });
  }
  const found = await getDraft(deps, ownerId, draftId);
  if (!found.ok) return found;
  const now = deps.clock.now();
  const r = await deps.prisma.aiDraft.updateMany({
    where: { id: draftId, owner_id: ownerId, status: "pending" },
    data: { text: words, updated_at: now, detail: { edited: true } },
  });
  if (r.count === 0) return fail("CONFLICT", `this draft was ${found.value.status} already`);
  return getDraft(deps, ownerId, draftId);
}

/**
 * Pending drafts of one owner (optionally of one customer, of some kinds), newest first: the
 * morning summary and the customer card show them with their Send buttons.
 */
export async function pendingDrafts(
  deps: CoreDeps,
  where: { ownerId?: string; customerId?: string; kinds?: DraftKind[]; since?: Date },
  limit = 10,
): Promise<DraftView[]> {
  const rows = await deps.prisma.aiDraft.findMany({
    where: {
      status: "pending",
      ...(where.ownerId ? { owner_id: where.ownerId } : {}),
      ...(where.customerId ? { customer_id: where.customerId } : {}),
      ...(where.kinds ? { kind: { in: where.kinds } } : {}),
      ...(where.since ? { created_at: { gte: where.since } } : {}),
    },
    orderBy: [{ created_at: "desc" }, { id: "asc" }],
    take: limit,
    include: withCustomer,
  });
  return rows.map(viewOf);
}
