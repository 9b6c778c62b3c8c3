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
 * Headroom added to every window, in ms. Our clock books a send just before the request leaves;
 * the provider counts it when it arrives. Those two moments drift apart by a few ms from send to
 * send, so a sender that fills the window to the exact millisecond is over the limit now and
 * then (measured: 12–13 × 429 per 500 sends against a strict 30/s fake; docs/benchmarks.md).
 * 30 ms costs 3 % of the rate (29.1 msg/s sustained on Telegram) and absorbs that drift.
 */
const DEFAULT_SAFETY_MS = 30;

/**
 * A sliding-window limiter over explicit times: `waitFor` answers how long to wait before a
 * message to `chat` on `channel` may go, `book` records that it went, and `pause` honours a
 * provider's "retry after" for the whole channel. Pure bookkeeping, no timers.
 */
export class SendRateLimiter {
  private readonly sent = new Map<string, number[]>();
  private readonly lastPerChat = new Map<string, number>();
  private readonly pausedUntil = new Map<string, number>();

  constructor(
    private readonly limits: Record<string, ChannelLimits> = DEFAULT_LIMITS,
    private readonly safetyMs = DEFAULT_SAFETY_MS,
  ) {}

  /** Milliseconds until a message to `chat` may be sent; 0 means now. Does not book. */
  waitFor(channel: string, chat: string, nowMs: number): number {
    const lim = this.limits[channel];
    if (!lim) return 0;
    const windowMs = 1_000 + this.safetyMs;
    const chatWait = this.chatWaitFor(channel, chat, nowMs);
    const window = this.window(channel, nowMs);
    const globalWait =
      window.length < lim.perSecond ? 0 : (window[window.length - lim.perSecond] ?? nowMs) + windowMs - nowMs;
    const pauseWait = Math.max(0, (this.pausedUntil.get(channel) ?? 0) - nowMs);
    return Math.max(chatWait, globalWait, pauseWait);
  }

  /** The part of `waitFor` that is this chat's own: the gap still due since its last message. */
  chatWaitFor(channel: string, chat: string, nowMs: number): number {
    const lim = this.limits[channel];
    const last = this.lastPerChat.get(`${channel}|${chat}`);
    if (!lim || last === undefined || lim.perChatGapMs <= 0) return 0;
    return Math.max(0, last + lim.perChatGapMs + this.safetyMs - nowMs);
  }

  /** Book a send at `nowMs`. */
  book(channel: string, chat: string, nowMs: number): void {
    this.window(channel, nowMs).push(nowMs);
    this.lastPerChat.set(`${channel}|${chat}`, nowMs);
    if (this.lastPerChat.size > 50_000) this.lastPerChat.clear();
  }

  /**
   * The provider said "too many requests, retry after": hold the whole channel until `untilMs`.
   * Several sender processes each pacing on their own can together exceed a limit; backing off
   * on the provider's word is what keeps them from hammering it.
   */
  pause(channel: string, untilMs: number): void {
    this.pausedUntil.set(channel, Math.max(untilMs, this.pausedUntil.get(channel) ?? 0));
  }

  private window(channel: string, nowMs: number): number[] {
    let w = this.sent.get(channel);
    if (!w) {
      w = [];
      this.sent.set(channel, w);
    }
    while (w.length > 0 && (w[0] ?? 0) <= nowMs - 1_000 - this.safetyMs) w.shift();
    return w;
  }
}
