import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../core/config/config.js";

describe("configuration", () => {
  it("runs with no environment at all (embedded defaults)", () => {
    const c = parseConfig({});
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.port).toBe(3000);
    expect(c.publicUrl).toBe("http://127.0.0.1:3000");
    expect(c.marketplace.biddingWindowMs).toBe(15 * 60_000);
    expect(c.marketplace.responseWindowMs).toBe(2 * 3600_000);
    expect(c.marketplace.strikesToBan).toBe(3);
    expect(c.quietHours).toEqual({ start: "21:00", end: "08:00" });
  });

  it("reads business durations with units, down to seconds for tests and demos", () => {
    const c = parseConfig({
      RESPONSE_WINDOW: "90s",
      BIDDING_WINDOW: "2m",
      WINDOW_WARNING: "30s",
      LEAD_ARCHIVE_AFTER: "30d",
    });
    expect(c.marketplace.responseWindowMs).toBe(90_000);
    expect(c.marketplace.biddingWindowMs).toBe(120_000);
    expect(c.marketplace.archiveAfterMs).toBe(30 * 24 * 3600_000);
  });

  it.each([
    [{ DATABASE_URL: "mysql://x@y/z" }, "DATABASE_URL must look like postgresql://"],
    [{ DATABASE_URL: "not a url" }, "DATABASE_URL"],
    [{ PORT: "70000" }, "PORT"],
    [{ RESPONSE_WINDOW: "soon" }, "RESPONSE_WINDOW must be a duration"],
    [{ QUIET_HOURS: "9pm-8am" }, "QUIET_HOURS"],
    [{ DEFAULT_TIMEZONE: "Mars/Olympus" }, "DEFAULT_TIMEZONE"],
    [{ TELEGRAM_WEBHOOK_URL: "https://x.example/tg" }, "TELEGRAM_WEBHOOK_SECRET is required"],
    [{ SESSION_SECRET: "short" }, "SESSION_SECRET must be at least 32"],
  ])("rejects %o with one line naming the variable", (env, expected) => {
    let error: unknown;
    try {
      parseConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(expected);
    expect((error as Error).message).not.toContain("\n");
  });
});
