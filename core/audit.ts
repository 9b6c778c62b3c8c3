/**
 * The one audit writer. Every audit row is written here, inside the transaction of the change it
 * records: if the row cannot be written the transaction fails and the change does not happen, so
 * the audit trail cannot be skipped. Whatever a caller hands over as `before`/`after` is made
 * safe for PostgreSQL first (no NUL, no lone surrogate, bounded depth, width and size) so that an
 * odd payload can never be the reason a legitimate change is refused.
 */
import type { ActorKind, Prisma } from "../prisma/generated/client.js";
import type { ApiScope } from "./accounts/api-key.service.js";
import { actingUserId } from "./accounts/visibility.js";
import type { Db } from "./db.js";

export type { ActorKind };

/** Every actor kind, in the order the panel's audit filter lists them. */
export const ACTOR_KINDS = [
  "panel_user",
  "api_key",
  "contractor",
  "customer",
  "system",
] as const satisfies readonly ActorKind[];

/** Who made a change: the kind, the signed-in user / key owner / contractor (if any), and from where. */
export interface AuditActor {
  kind: ActorKind;
  userId?: string | null;
  ip?: string | null;
}

/** One audit row: who, what, on which row, the state before and after, and when. */
export interface AuditEntry {
  actor: AuditActor;
  action: string;
  entityType: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
  at: Date;
}

/** The system itself (jobs, reconciler, deadlines). */
export const SYSTEM_ACTOR: AuditActor = { kind: "system" };

/** A customer acting by chat, e-mail or SMS (customers have no user row). */
export const CUSTOMER_ACTOR: AuditActor = { kind: "customer" };

/** A contractor or marketer acting in chat. */
export function contractorActor(userId: string): AuditActor {
  return { kind: "contractor", userId };
}

/** An API key: its owner for a contractor key, the team's manager for a team key, nobody for an admin key. */
export function apiKeyActor(scope: ApiScope): AuditActor {
  return { kind: "api_key", userId: actingUserId(scope) };
}

const MAX_DEPTH = 8;
const MAX_ITEMS = 100;
const MAX_STRING = 2_000;
const MAX_JSON_CHARS = 32_000;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A string PostgreSQL accepts in text and jsonb: NUL removed, lone surrogates replaced, bounded. */
function safeText(s: string, max: number): string {
  const clean = s.replaceAll("\u0000", "").replace(LONE_SURROGATE, "\uFFFD");
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function safeValue(v: unknown, depth: number): Prisma.InputJsonValue | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return safeText(v, MAX_STRING);
  if (typeof v === "number") return Number.isFinite(v) ? v : String(v);
  if (typeof v === "boolean") return v;
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (typeof v !== "object") return null;
  const withJson = v as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === "function") return safeValue(withJson.toJSON(), depth);
  if (depth >= MAX_DEPTH) return "[too deep]";
  if (Array.isArray(v)) {
    const items = v.slice(0, MAX_ITEMS).map((x) => safeValue(x, depth + 1));
    if (v.length > MAX_ITEMS) items.push(`[${v.length - MAX_ITEMS} more]`);
    return items;
  }
  const out: Record<string, Prisma.InputJsonValue | null> = {};
  const entries = Object.entries(v as Record<string, unknown>);
  for (const [k, x] of entries.slice(0, MAX_ITEMS)) {
    if (x !== undefined) out[safeText(k, 200)] = safeValue(x, depth + 1);
  }
  if (entries.length > MAX_ITEMS) out["…"] = `${entries.length - MAX_ITEMS} more keys`;
  return out;
}

/**
 * `before`/`after` as a JSON value PostgreSQL will store: NUL stripped, lone surrogates replaced,
 * depth, width, strings and total size bounded (an oversized value keeps a truncated preview).
 * Exported for tests; `writeAudit` applies it to every row.
 */
export function auditJson(v: unknown): Prisma.InputJsonValue | undefined {
  if (v === undefined || v === null) return undefined;
  const safe = safeValue(v, 0);
  if (safe === null) return undefined;
  const text = JSON.stringify(safe);
  if (text.length <= MAX_JSON_CHARS) return safe;
  return { truncated: true, preview: safeText(text, MAX_STRING) };
}

function rowOf(e: AuditEntry): Prisma.AuditLogCreateManyInput {
  const entityId = e.entityId ? safeText(e.entityId, 64) : null;
  return {
    actor_kind: e.actor.kind,
    actor_user_id: e.actor.userId ?? null,
    ip: e.actor.ip ? safeText(e.actor.ip, 64) : null,
    action: safeText(e.action, 100),
    entity_type: safeText(e.entityType, 50),
    entity_id: entityId || null,
    before: auditJson(e.before),
    after: auditJson(e.after),
    created_at: e.at,
  };
}

/**
 * Record one change. Call it with the transaction that makes the change: a failed insert fails
 * the transaction, so a change without its audit row cannot happen (DESIGN.md: every change is
 * audited; issue 11 finding 4).
 */
export async function writeAudit(tx: Db, entry: AuditEntry): Promise<void> {
  await tx.auditLog.create({ data: rowOf(entry) });
}

/** Record several changes made in one transaction (a sweep of the reconciler), in one insert. */
export async function writeAudits(tx: Db, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await tx.auditLog.createMany({ data: entries.map(rowOf) });
}
