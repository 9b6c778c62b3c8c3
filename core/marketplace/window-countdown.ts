import type { ChannelKind } from "../../prisma/generated/client.js";
import type { CoreDeps } from "../context.js";
import { windowRunning } from "./lead-state.js";

/** The countdown moves in steps of this many minutes: fresh enough, and easy on rate limits. */
const COUNTDOWN_STEP_MINUTES = 5;
/** After a window ends, its message still gets its final state for this long. */
const FINAL_EDIT_GRACE_MS = 3_600_000;

/** Minutes left, rounded up to the countdown step (0 once the window has ended). */
export function countdownStep(endsAt: Date, now: Date): number {
  const left = endsAt.getTime() - now.getTime();
  if (left <= 0) return 0;
  return Math.ceil(left / 60_000 / COUNTDOWN_STEP_MINUTES) * COUNTDOWN_STEP_MINUTES;
}

/** One "your window is open" message whose text is out of date. */
export interface CountdownTarget {
  bidId: string;
  leadId: string;
  state: "open" | "answered" | "ended";
  endsAt: Date;
  /** Minutes left rounded up to the step; 0 when not open. */
  minutesLeft: number;
  /** Distinguishes one version of the message from the next (`open:85`, `answered`, `ended`). */
  stamp: string;
  /** The sent window message to edit, and its notice payload. */
  message: {
    outboxId: string;
    channel: ChannelKind;
    to: string;
    identityId: string | null;
    userId: string | null;
    providerMessageId: string;
    payload: unknown;
  };
}

/**
 * Window messages whose live countdown needs an edit at `now`: open windows whose step moved
 * since the message was sent, and windows that were answered or ended (one last edit saying so,
 * within an hour). Only messages the channel confirmed (with its message id) can be edited.
 * The caller dedupes on `bidId` + `stamp`, so each version is written once.
 */
export async function windowCountdowns(deps: CoreDeps): Promise<CountdownTarget[]> {
  const now = deps.clock.now();
  const bids = await deps.prisma.bid.findMany({
    where: {
      response_window_starts_at: { not: null },
      response_window_ends_at: { gt: new Date(now.getTime() - FINAL_EDIT_GRACE_MS) },
    },
    select: {
      id: true,
      lead_id: true,
      status: true,
      responded_at: true,
      response_window_starts_at: true,
      response_window_ends_at: true,
    },
    take: 1000,
  });
  if (bids.length === 0) return [];
  const rows = await deps.prisma.outboundMessage.findMany({
    where: {
      dedupe_key: { in: bids.map((b) => `window:${b.id}`) },
      status: { in: ["sent", "delivered"] },
      provider_message_id: { not: null },
    },
  });
  const byKey = new Map(rows.map((r) => [r.dedupe_key, r]));
  const targets: CountdownTarget[] = [];
  for (const bid of bids) {
    const row = byKey.get(`window:${bid.id}`);
    const endsAt = bid.response_window_ends_at;
    if (!row?.provider_message_id || !endsAt) continue;
    const state = bid.responded_at ? "answered" : windowRunning(bid, now) ? "open" : "ended";
    const minutesLeft = state === "open" ? countdownStep(endsAt, now) : 0;
    if (state === "open" && minutesLeft === countdownStep(endsAt, row.sent_at ?? now)) continue;
    targets.push({
      bidId: bid.id,
      leadId: bid.lead_id,
      state,
      endsAt,
      minutesLeft,
      stamp: state === "open" ? `open:${minutesLeft}` : state,
      message: {
        outboxId: row.id,
        channel: row.channel,
        to: row.to_address,
        identityId: row.identity_id,
        userId: row.user_id,
        providerMessageId: row.provider_message_id,
        payload: row.payload,
      },
    });
  }
  return targets;
}
