/** The stored form of an event and its idempotent answer, shared by both write paths. */
import type { EventLog } from "../../prisma/generated/client.js";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import type { EventEnvelope } from "./event-envelope.js";

/** An event as the API shows it (the idempotency fingerprint stays internal). */
export type PresentedEvent = Omit<EventLog, "payload_hash">;

/** What recording an event answers: the stored event, and whether it was stored before. */
export type RecordedEvent = Result<{ event: PresentedEvent; replayed: boolean }>;

/** An event row as the API answers it: everything but the internal payload hash. */
export function presentEvent(row: EventLog): PresentedEvent {
  const { payload_hash: _h, ...rest } = row;
  return rest;
}

/** Same id + same payload: the stored original. Same id + another payload: IDEMPOTENCY_CONFLICT. */
export function replay(row: EventLog, hash: string): RecordedEvent {
  if (row.payload_hash !== hash) {
    return fail("IDEMPOTENCY_CONFLICT", `event_id "${row.event_id}" was already used with a different payload`, {
      event_id: row.event_id,
    });
  }
  return ok({ event: presentEvent(row), replayed: true });
}

/**
 * The owner's event stored under an id, if any. Idempotency is per owner: `event_id` is unique
 * with `owner_id` (each marketer's tools pick their own ids, so two owners may use the same one
 * and neither sees the other's event).
 */
export function storedEvent(db: Db, ownerId: string, eventId: string): Promise<EventLog | null> {
  return db.eventLog.findUnique({ where: { owner_id_event_id: { owner_id: ownerId, event_id: eventId } } });
}

/** The event row to store, as recordEvent creates it. */
export interface EventRowInput {
  event_id: string;
  event_name: EventLog["event_name"];
  owner_id: string;
  user_id: string | null;
  account_id: string | null;
  source: string | null;
  timestamp: Date;
  properties: unknown;
  utm: unknown;
  consent: unknown;
  payload_hash: string;
  result: Record<string, unknown>;
}

/** The event_logs row of an envelope (without customer and creation time), as both paths store it. */
export function eventRow(
  env: EventEnvelope,
  ownerId: string,
  hash: string,
  result: Record<string, unknown>,
): EventRowInput {
  return {
    event_id: env.event_id,
    event_name: env.event_name,
    owner_id: ownerId,
    user_id: env.user_id ?? null,
    account_id: env.account_id ?? null,
    source: env.source ?? null,
    timestamp: new Date(env.timestamp),
    properties: env.properties,
    utm: env.utm,
    consent: env.consent,
    payload_hash: hash,
    result,
  };
}
