import type { Db } from "../db.js";
import { readSetting } from "./whatsapp-status.service.js";

export const TELEGRAM_STATUS_KEY = "telegram.status";

/** What the bot process reports about its Telegram connection. */
export interface TelegramStatus {
  username: string;
  mode: "polling" | "webhook";
  since: string;
}

/** One channel's traffic: what waits, what went out and what failed in the last 24 hours, last inbound. */
export interface ChannelTraffic {
  queued: number;
  sent24h: number;
  failed24h: number;
  lastInboundAt: Date | null;
}

const CHANNELS = ["telegram", "whatsapp", "email", "sms", "sandbox"] as const;
export type ChannelName = (typeof CHANNELS)[number];

/**
 * Traffic per channel for the panel's channels page, in two aggregate queries (the outbox's
 * due-index serves the queued count; the 24-hour window reads only recent rows).
 */
export async function channelTraffic(db: Db, now: Date): Promise<Record<ChannelName, ChannelTraffic>> {
  const since = new Date(now.getTime() - 86_400_000);
  const [out, inbound] = await Promise.all([
    db.$queryRaw<Array<{ channel: ChannelName; queued: number; sent: number; failed: number }>>`
      SELECT channel::text AS channel,
             count(*) FILTER (WHERE status IN ('queued', 'sending'))::int AS queued,
             count(*) FILTER (WHERE status IN ('sent', 'delivered') AND sent_at > ${since})::int AS sent,
             count(*) FILTER (WHERE status = 'failed' AND failed_at > ${since})::int AS failed
      FROM outbound_messages
      WHERE status IN ('queued', 'sending') OR updated_at > ${since}
      GROUP BY channel`,
    db.$queryRaw<Array<{ channel: ChannelName; last: Date | null }>>`
      SELECT channel::text AS channel, max(received_at) AS last FROM inbound_messages GROUP BY channel`,
  ]);
  const result = {} as Record<ChannelName, ChannelTraffic>;
  for (const c of CHANNELS) {
    const o = out.find((r) => r.channel === c);
    result[c] = {
      queued: o?.queued ?? 0,
      sent24h: o?.sent ?? 0,
      failed24h: o?.failed ?? 0,
      lastInboundAt: inbound.find((r) => r.channel === c)?.last ?? null,
    };
  }
  return result;
}

/** The Telegram bot as the bot process last reported it (null until it has started once). */
export async function telegramStatus(db: Db): Promise<TelegramStatus | null> {
  return (await readSetting<TelegramStatus>(db, TELEGRAM_STATUS_KEY)) ?? null;
}
