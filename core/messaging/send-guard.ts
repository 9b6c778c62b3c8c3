/**
 * The last look before an outbox row leaves: is it still this sender's, and may the recipient
 * still be messaged? Opt-outs win over anything queued, even a row claimed a moment earlier.
 */
import type { ChannelKind } from "../../prisma/generated/client.js";
import type { Db } from "../db.js";

/**
 * The outbox kind of the one confirmation an opted-out person still gets ("You are unsubscribed").
 * It is the only kind the send-time opt-out check lets through.
 */
export const OPT_OUT_ACK_KIND = "opt_out_ack";

/** What the last look found. */
export type SendCheck = "send" | "claim_lost" | "opted_out";

/** The parts of a claimed row the check needs; `locked_until` is the claim's token. */
export interface ClaimedRow {
  id: string;
  kind: string;
  channel: ChannelKind;
  to_address: string;
  identity_id: string | null;
  customer_id: string | null;
  locked_until: Date | null;
}

/**
 * Re-check a claimed row just before sending, in one statement: the claim must still be ours
 * (`locked_until` unchanged — a sender that stalled past its claim lets another take the row,
 * and then must not send it too), and it is renewed to `renewUntil` so the send itself is
 * covered. Then the recipient: an opted-out identity (by id, or by channel and address, e-mail
 * in any case) or customer (`opted_out_at`) means `opted_out` — unless the row is the opt-out
 * confirmation itself.
 */
export async function checkBeforeSend(db: Db, row: ClaimedRow, now: Date, renewUntil: Date): Promise<SendCheck> {
  if (!row.locked_until) return "claim_lost";
  const lower = row.channel === "email" ? row.to_address.trim().toLowerCase() : row.to_address;
  const rows = await db.$queryRaw<Array<{ blocked: boolean }>>`
    UPDATE outbound_messages o SET locked_until = ${renewUntil}, updated_at = ${now}
    WHERE o.id = ${row.id}::uuid AND o.status = 'sending' AND o.locked_until = ${row.locked_until}
    RETURNING (
      EXISTS (SELECT 1 FROM channel_identities i
              WHERE i.opted_out AND (i.id = o.identity_id
                 OR (i.channel = o.channel AND i.address = ANY (ARRAY[o.to_address, ${lower}]))))
      OR EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id AND c.opted_out_at IS NOT NULL)
    ) AS blocked`;
  const first = rows[0];
  if (!first) return "claim_lost";
  return first.blocked && row.kind !== OPT_OUT_ACK_KIND ? "opted_out" : "send";
}
