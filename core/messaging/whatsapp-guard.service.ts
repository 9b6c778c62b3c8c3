import type { Prisma } from "../../prisma/generated/client.js";
import { type AuditActor, SYSTEM_ACTOR, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import {
  classifyWhatsappError,
  decideSend,
  type ErrorSignal,
  type GuardState,
  parseGuardState,
  pauseFor,
  type SendDecision,
} from "./whatsapp-guard.js";
import {
  clearWhatsappAlert,
  raiseWhatsappAlert,
  readSetting,
  WHATSAPP_ALERT_KEY,
  WHATSAPP_STATUS_KEY,
  type WhatsappAlert,
  type WhatsappStatus,
  writeSetting,
} from "./whatsapp-status.service.js";

/** The guard's state lives in this settings row, locked for each decision. */
export const WHATSAPP_GUARD_KEY = "whatsapp.guard";

type Deps = Pick<CoreDeps, "prisma" | "clock">;

async function withGuard<T>(deps: Deps, fn: (tx: Prisma.TransactionClient, state: GuardState) => Promise<T>) {
  return deps.prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`
        INSERT INTO settings (key, value, updated_at) VALUES (${WHATSAPP_GUARD_KEY}, '{}'::jsonb, ${deps.clock.now()})
        ON CONFLICT (key) DO NOTHING`;
      const rows = await tx.$queryRaw<Array<{ value: unknown }>>`
        SELECT value FROM settings WHERE key = ${WHATSAPP_GUARD_KEY} FOR UPDATE`;
      return fn(tx, parseGuardState(rows[0]?.value));
    },
    { timeout: 20_000, maxWait: 20_000 },
  );
}

async function save(tx: Prisma.TransactionClient, state: GuardState, now: Date): Promise<void> {
  await writeSetting(tx, WHATSAPP_GUARD_KEY, state, now);
}

/**
 * Ask the guard whether a message to `to` may go now, and book it if so (one row lock, so
 * several senders share one pace). A first contact is a message to someone who never wrote to
 * this WhatsApp number (no `last_inbound_at` on their WhatsApp identity). `jitter` is a random
 * number in [0, 1) from the caller (core draws no randomness).
 */
export async function admitWhatsappSend(deps: Deps, input: { to: string; jitter: number }): Promise<SendDecision> {
  const now = deps.clock.now();
  return withGuard(deps, async (tx, state) => {
    const identity = await tx.channelIdentity.findUnique({
      where: { channel_address: { channel: "whatsapp", address: input.to } },
      select: { last_inbound_at: true },
    });
    const firstContact = !identity?.last_inbound_at;
    const decision = decideSend(state, { now, to: input.to, firstContact, jitter: input.jitter });
    if (JSON.stringify(decision.state) !== JSON.stringify(state)) await save(tx, decision.state, now);
    return decision;
  });
}

/**
 * A send failed: a rate or ban signal pauses WhatsApp sending (queued rows stay queued) and
 * raises an alert for the panel. Returns the signal (null when the error says nothing about
 * the account).
 */
export async function reportWhatsappSendError(
  deps: Deps,
  err: { status?: number; message?: string },
): Promise<ErrorSignal> {
  const signal = classifyWhatsappError(err);
  if (!signal) return null;
  await pauseWhatsapp(deps, { kind: signal, reason: `${err.status ?? ""} ${err.message ?? ""}`.trim() });
  return signal;
}

/**
 * Pause WhatsApp sending: `rate` for an hour, `ban` and `manual` until resumed. Rows stay queued
 * (the channel answers "retry later"), an alert is raised and audited.
 */
export async function pauseWhatsapp(
  deps: Deps,
  input: { kind: "rate" | "ban" | "manual"; reason: string; actor?: AuditActor },
): Promise<GuardState> {
  const now = deps.clock.now();
  return withGuard(deps, async (tx, state) => {
    const next = pauseFor(state, input.kind, input.reason, now);
    await save(tx, next, now);
    await raiseWhatsappAlert(tx, { kind: input.kind, message: input.reason }, now, input.actor);
    return next;
  });
}

/** Resume WhatsApp sending (an admin checked the number), clear the alert, audit it. */
export async function resumeWhatsapp(deps: Deps, input: { actor?: AuditActor } = {}): Promise<GuardState> {
  const now = deps.clock.now();
  return withGuard(deps, async (tx, state) => {
    const next: GuardState = { ...state, paused: null };
    await save(tx, next, now);
    await clearWhatsappAlert(tx);
    await writeAudit(tx, {
      actor: input.actor ?? SYSTEM_ACTOR,
      action: "whatsapp.resumed",
      entityType: "whatsapp",
      before: { paused: state.paused },
      at: now,
    });
    return next;
  });
}

/** Set the daily first-contact cap (0 = no first contacts at all); audited when an `actor` is named. */
export async function setWhatsappDailyCap(deps: Deps, cap: number, actor?: AuditActor): Promise<GuardState> {
  if (!Number.isInteger(cap) || cap < 0 || cap > 1000) throw new RangeError(`cap must be 0–1000, got ${cap}`);
  const now = deps.clock.now();
  return withGuard(deps, async (tx, state) => {
    const next = { ...state, dailyFirstContactCap: cap };
    await save(tx, next, now);
    if (actor) {
      const before = { daily_first_contact_cap: state.dailyFirstContactCap };
      const after = { daily_first_contact_cap: cap };
      await writeAudit(tx, { actor, action: "whatsapp.cap_changed", entityType: "whatsapp", before, after, at: now });
    }
    return next;
  });
}

/** Everything the panel shows about WhatsApp: connection, guard (pause, today's first contacts), alert. */
export async function whatsappOverview(deps: Deps): Promise<{
  status: WhatsappStatus | null;
  guard: GuardState;
  alert: WhatsappAlert | null;
}> {
  const [status, guard, alert] = await Promise.all([
    readSetting<WhatsappStatus>(deps.prisma, WHATSAPP_STATUS_KEY),
    readSetting<unknown>(deps.prisma, WHATSAPP_GUARD_KEY),
    readSetting<WhatsappAlert>(deps.prisma, WHATSAPP_ALERT_KEY),
  ]);
  return { status: status ?? null, guard: parseGuardState(guard), alert: alert ?? null };
}
