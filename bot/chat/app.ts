import { CHAT_REPLY_KIND, enqueueChatReplies, settleChatQuestion } from "../../core/messaging/conversation.service.js";
import {
  dueInbound,
  finishInbound,
  type IdentityWithOwner,
  recordInbound,
} from "../../core/messaging/inbound.service.js";
import type { Prisma } from "../../prisma/generated/client.js";
import { buildContext } from "./context.js";
import { refreshCountdowns } from "./countdown.js";
import { FEATURES } from "./features/index.js";
import type { ChatDeps, ChatInbound, ChatReply, Feature } from "./types.js";

/** What became of one inbound message. */
interface HandleOutcome {
  status: "handled" | "duplicate" | "failed";
  inboundId: string;
  /** Outbox ids of the answers written for it (core's notices are not listed). */
  replyIds: string[];
}

/** The channel-agnostic chat app: every adapter hands its messages to `handle`. */
export interface ChatApp {
  handle(msg: ChatInbound): Promise<HandleOutcome>;
  /** Handle again what a crash left unprocessed (older than `olderThanMs`, fewer than 3 tries). */
  retryUnprocessed(opts?: { olderThanMs?: number }): Promise<number>;
  /** Bring open windows' countdowns up to date by editing their messages. */
  refreshCountdowns(): Promise<number>;
  /** Resolves when every message already handed over has been handled. */
  idle(): Promise<void>;
}

const MAX_ATTEMPTS = 3;

/**
 * Build the chat app. Each message is stored first (guaranteed intake, redeliveries recognised),
 * its sender identified, then the first feature that matches handles it with one core call and
 * queues answers; answers go to the outbox in order, with dedupe keys so a retry writes them
 * once. Messages from one sender are handled one at a time, in arrival order. A feature that
 * throws leaves the message unprocessed for `retryUnprocessed`, and the person is told once.
 */
export function createChatApp(deps: ChatDeps, features: readonly Feature[] = FEATURES): ChatApp {
  const lanes = new Map<string, Promise<unknown>>();

  /** Run `task` after everything already queued for `key`. */
  function inLane<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = lanes.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    lanes.set(key, settled);
    void settled.then(() => {
      if (lanes.get(key) === settled) lanes.delete(key);
    });
    return run;
  }

  async function writeReplies(
    identity: IdentityWithOwner,
    msg: ChatInbound,
    keyPrefix: string,
    replies: readonly ChatReply[],
    lang: string,
  ): Promise<string[]> {
    return enqueueChatReplies(
      deps,
      replies.map((r, i) => ({
        channel: identity.channel,
        to: identity.address,
        identityId: identity.id,
        userId: identity.user_id,
        customerId: identity.customer_id,
        leadId: r.leadId ?? null,
        kind: CHAT_REPLY_KIND,
        body: r.text,
        payload: {
          kind: CHAT_REPLY_KIND,
          rendered: true,
          lang,
          ...(r.buttons?.length ? { buttons: r.buttons } : {}),
          ...(r.awaiting ? { awaiting: r.awaiting } : {}),
          ...(r.about ? { about: r.about } : {}),
          ...(msg.replyTo ? { in_reply_to: msg.replyTo } : {}),
        } as unknown as Prisma.InputJsonValue,
        dedupeKey: `${keyPrefix}:${i}`,
      })),
    );
  }

  async function process(inboundId: string, msg: ChatInbound, identity: IdentityWithOwner): Promise<HandleOutcome> {
    const { ctx, replies, questionId } = await buildContext(deps, msg, inboundId, identity);
    try {
      const feature = features.find((f) => f.match(ctx));
      if (feature) await feature.handle(ctx);
      else ctx.reply(ctx.t("common.not_understood"));
      if (questionId) await settleChatQuestion(deps, questionId);
      const replyIds = await writeReplies(identity, msg, `reply:${inboundId}`, replies, ctx.lang);
      await finishInbound(deps, inboundId);
      return { status: "handled", inboundId, replyIds };
    } catch (err) {
      deps.log.warn(`chat: handling inbound ${inboundId} failed`, err);
      await finishInbound(deps, inboundId, (err as Error)?.stack ?? String(err));
      const sorry = [{ text: ctx.t("common.error") }];
      const replyIds = await writeReplies(identity, msg, `error:${inboundId}`, sorry, ctx.lang).catch(() => []);
      return { status: "failed", inboundId, replyIds };
    }
  }

  return {
    handle(msg) {
      return inLane(`${msg.channel}|${msg.address}`, async () => {
        const intake = await recordInbound(deps, {
          channel: msg.channel,
          externalId: msg.externalId,
          address: msg.address,
          displayName: msg.displayName,
          language: msg.language,
          text: msg.text ?? null,
          payload: msg as unknown as Prisma.InputJsonValue,
        });
        if (intake.duplicate) return { status: "duplicate", inboundId: intake.id, replyIds: [] };
        return process(intake.id, msg, intake.identity);
      });
    },

    async retryUnprocessed(opts = {}) {
      const rows = await dueInbound(deps, { olderThanMs: opts.olderThanMs ?? 60_000, maxAttempts: MAX_ATTEMPTS });
      let done = 0;
      for (const row of rows) {
        const { attempts: _a, ...msg } = (row.payload ?? {}) as unknown as ChatInbound & { attempts?: number };
        if (!row.identity || !msg.channel) {
          await finishInbound(deps, row.id, "unusable intake row: no identity or payload");
          continue;
        }
        const identity = row.identity;
        const outcome = await inLane(`${row.channel}|${row.from_address}`, () => process(row.id, msg, identity));
        if (outcome.status === "handled") done += 1;
      }
      return done;
    },

    refreshCountdowns: () => refreshCountdowns(deps),

    async idle() {
      while (lanes.size > 0) await Promise.all([...lanes.values()]);
    },
  };
}
