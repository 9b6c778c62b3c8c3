import { windowCountdowns } from "../../core/marketplace/window-countdown.js";
import { enqueueChatReplies } from "../../core/messaging/conversation.service.js";
import type { Notice } from "../../core/messaging/notices.js";
import type { Prisma } from "../../prisma/generated/client.js";
import { translator } from "./i18n.js";
import { renderNotice } from "./notices.js";
import { audienceOf } from "./outbound.js";
import type { ChatDeps } from "./types.js";

/** The outbox kind of an edit that refreshes a window message. */
const COUNTDOWN_KIND = "window_countdown";

/**
 * Keep every open window's "your window is open" message current: its countdown is re-rendered
 * as the minutes run down, and it says "answered" or "ended" once that happens. Each version is
 * an outbox row `{ edit: true, ref }` that the channel turns into an edit of the message it sent
 * (`ref` is the channel's message id; `ref_outbox_id` the row that sent it); the dedupe key
 * `countdown:<bid>:<stamp>` writes each version once however often this runs.
 */
export async function refreshCountdowns(deps: ChatDeps): Promise<number> {
  const targets = await windowCountdowns(deps);
  let written = 0;
  for (const target of targets) {
    const notice = target.message.payload as Extract<Notice, { kind: "window_opened" }> | null;
    if (notice?.kind !== "window_opened") continue;
    const { lang, tz } = await audienceOf(deps, target.message.channel, target.message.to);
    const now = deps.clock.now();
    const t = translator(lang);
    let body = renderNotice(notice, { lang, tz, now }).text;
    if (target.state !== "open") {
      const lines = body.split("\n");
      lines[lines.length - 1] = t(target.state === "answered" ? "window.answered" : "window.ended");
      body = lines.join("\n");
    }
    const ids = await enqueueChatReplies(deps, [
      {
        channel: target.message.channel,
        to: target.message.to,
        identityId: target.message.identityId,
        userId: target.message.userId,
        leadId: target.leadId,
        kind: COUNTDOWN_KIND,
        body,
        payload: {
          kind: COUNTDOWN_KIND,
          rendered: true,
          lang,
          edit: true,
          ref: target.message.providerMessageId,
          ref_outbox_id: target.message.outboxId,
          state: target.state,
          minutes_left: target.minutesLeft,
        } as Prisma.InputJsonValue,
        dedupeKey: `countdown:${target.bidId}:${target.stamp}`,
      },
    ]);
    written += ids.length;
  }
  return written;
}
