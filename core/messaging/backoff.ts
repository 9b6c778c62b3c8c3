/**
 * Delay before retry number `attempt` (1-based): exponential from `baseMs`, capped at `capMs`,
 * with "equal jitter" (half fixed, half random) so a burst of failures does not retry in step.
 * `random` is a number in [0, 1) supplied by the caller (core draws no randomness itself).
 */
export function retryDelayMs(attempt: number, random: number, baseMs = 5_000, capMs = 30 * 60_000): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random);
}
