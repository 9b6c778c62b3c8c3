import type { Prisma } from "../../prisma/generated/client.js";
import { type AuditActor, SYSTEM_ACTOR, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { type Db, inTransaction } from "../db.js";

/**
 * What the panel shows about WhatsApp, kept in `settings` so a web process that is not the bot
 * sees it: the connection (written by the bot's connection manager), the last alert (a logout, a
 * pause on a rate error or ban signal), and a pending pairing-code request (written by the panel,
 * taken by the bot).
 */
export const WHATSAPP_STATUS_KEY = "whatsapp.status";
export const WHATSAPP_ALERT_KEY = "whatsapp.alert";
export const WHATSAPP_PAIRING_REQUEST_KEY = "whatsapp.pairing_request";

/** The connection states of the bot's WhatsApp connection manager. */
export type WhatsappConnectionState =
  | "stopped"
  | "connecting"
  | "qr"
  | "pairing-code"
  | "open"
  | "reconnecting"
  | "logged-out"
  | "paused";

/** The connection as last reported by the bot. */
export interface WhatsappStatus {
  state: WhatsappConnectionState;
  /** The raw QR payload while waiting to be scanned. */
  qr?: string;
  /** The same QR as a PNG data URL, ready for an `<img src>`. */
  qrPng?: string;
  /** The 8-character code to type on the phone (Linked devices → Link with phone number). */
  pairingCode?: string;
  /** ISO time the state was entered. */
  since: string;
  lastError?: string;
  /** The paired account (`4512345678:3@s.whatsapp.net`), once known. */
  me?: string;
}

/** An alert for the panel: a logout, a ban signal, a pause. Cleared when an admin resumes. */
export interface WhatsappAlert {
  kind: "logged-out" | "rate" | "ban" | "manual";
  message: string;
  at: string;
}

/** Read one setting's JSON value (undefined when unset). */
export async function readSetting<T>(db: Db, key: string): Promise<T | undefined> {
  const row = await db.setting.findUnique({ where: { key } });
  return row ? (row.value as unknown as T) : undefined;
}

/** Write one setting's JSON value. */
export async function writeSetting(db: Db, key: string, value: unknown, now: Date): Promise<void> {
  const json = value as Prisma.InputJsonValue;
  await db.setting.upsert({ where: { key }, create: { key, value: json, updated_at: now }, update: { value: json } });
}

/** The bot reports its connection state (called on every transition). */
export async function writeWhatsappStatus(deps: Pick<CoreDeps, "prisma" | "clock">, status: WhatsappStatus) {
  await writeSetting(deps.prisma, WHATSAPP_STATUS_KEY, stripUndefined(status), deps.clock.now());
}

/**
 * Raise an alert the panel shows, and audit it (a logout or a pause is something an admin must
 * act on: re-pair, or check the number's standing before resuming).
 */
export async function raiseWhatsappAlert(
  db: Db,
  alert: Omit<WhatsappAlert, "at">,
  now: Date,
  actor: AuditActor = SYSTEM_ACTOR,
): Promise<void> {
  await inTransaction(db, async (tx) => {
    await writeSetting(tx, WHATSAPP_ALERT_KEY, { ...alert, at: now.toISOString() }, now);
    await writeAudit(tx, {
      actor,
      action: `whatsapp.${alert.kind === "logged-out" ? "logged_out" : "paused"}`,
      entityType: "whatsapp",
      after: { kind: alert.kind, message: alert.message },
      at: now,
    });
  });
}

/** Clear the panel's alert (an admin resumed), or only an alert of `kind` (a re-pairing clears a logout's). */
export async function clearWhatsappAlert(db: Db, kind?: WhatsappAlert["kind"]): Promise<void> {
  await db.setting.deleteMany({
    where: { key: WHATSAPP_ALERT_KEY, ...(kind ? { value: { path: ["kind"], equals: kind } } : {}) },
  });
}

/**
 * The panel asks for a pairing code for `phone` (digits with country code). The bot's connection
 * manager takes the request within seconds and reports the code in the status.
 */
export async function requestWhatsappPairingCode(
  deps: Pick<CoreDeps, "prisma" | "clock">,
  phone: string,
  actor?: AuditActor,
): Promise<{ ok: true; phone: string } | { ok: false; error: string }> {
  const digits = phone.replace(/\D/g, "");
  if (digits.length < 8 || digits.length > 15) return { ok: false, error: "a phone number with country code" };
  const now = deps.clock.now();
  await inTransaction(deps.prisma, async (tx) => {
    await writeSetting(tx, WHATSAPP_PAIRING_REQUEST_KEY, { phone: digits, at: now.toISOString() }, now);
    if (actor)
      await writeAudit(tx, { actor, action: "whatsapp.pairing_code_requested", entityType: "whatsapp", at: now });
  });
  return { ok: true, phone: digits };
}

/** Take (and remove) a pending pairing-code request, if any. */
export async function takeWhatsappPairingRequest(deps: Pick<CoreDeps, "prisma">): Promise<string | null> {
  const rows = await deps.prisma.$queryRaw<Array<{ value: { phone?: string } }>>`
    DELETE FROM settings WHERE key = ${WHATSAPP_PAIRING_REQUEST_KEY} RETURNING value`;
  return rows[0]?.value?.phone ?? null;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
