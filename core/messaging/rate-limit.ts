/** Per-channel sending limits; Telegram's documented ones by default. */
export interface ChannelLimits {
  /** Messages per second over the whole channel. */
  perSecond: number;
  /** Minimum gap between two messages to one chat, in ms. */
  perChatGapMs: number;
}

export const DEFAULT_LIMITS: Record<string, ChannelLimits> = {
  telegram: { perSecond: 30, perChatGapMs: 1_000 },
  whatsapp: { perSecond: 1, perChatGapMs: 1_000 },
  sms: { perSecond: 10, perChatGapMs: 1_000 },
  email: { perSecond: 20, perChatGapMs: 0 },
  sandbox: { perSecond: 1_000, perChatGapMs: 0 },
};

/**
 * A sliding-window limiter over explicit times: `reserve` answers how long to wait before a
 * message to `chat` on `channel` may go, and books that slot. Pure bookkeeping, no timers.
 */
export class SendRateLimiter {
  private readonly sent = new Map<string, number[]>();
  private readonly lastPerChat = new Map<string, number>();

  constructor(private readonly limits: Record<string, ChannelLimits> = DEFAULT_LIMITS) {}

  /** Milliseconds until a message to `chat` may be sent; 0 means now. Does not book. */
  waitFor(channel: string, chat: string, nowMs: number): number {
    const lim = this.limits[channel];
    if (!lim) return 0;
    const last = this.lastPerChat.get(`${channel}|${chat}`);
    const chatWait = last === undefined ? 0 : Math.max(0, last + lim.perChatGapMs - nowMs);
    const window = this.window(channel, nowMs);
    const globalWait =
      window.length < lim.perSecond ? 0 : (window[window.length - lim.perSecond] ?? nowMs) + 1_000 - nowMs;
    return Math.max(chatWait, globalWait);
  }

  /** Book a send at `nowMs`. */
  book(channel: string, chat: string, nowMs: number): void {
    this.window(channel, nowMs).push(nowMs);
    this.lastPerChat.set(`${channel}|${chat}`, nowMs);
    if (this.lastPerChat.size > 50_000) this.lastPerChat.clear();
  }

  private window(channel: string, nowMs: number): number[] {
    let w = this.sent.get(channel);
    if (!w) {
      w = [];
      this.sent.set(channel, w);
    }
    while (w.length > 0 && (w[0] ?? 0) <= nowMs - 1_000) w.shift();
    return w;
  }
}
