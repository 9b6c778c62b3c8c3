import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ContactWindowOptions,
  isAllowedTime,
  nextAllowedTime,
  parseContactTimes,
} from "../../core/messaging/quiet-hours.js";

const phoenix: ContactWindowOptions = { timezone: "America/Phoenix", quietStart: "21:00", quietEnd: "08:00" };
const newYork: ContactWindowOptions = { ...phoenix, timezone: "America/New_York" };
const copenhagen: ContactWindowOptions = { ...phoenix, timezone: "Europe/Copenhagen" };
const at = (iso: string) => new Date(iso);
const next = (iso: string, o: ContactWindowOptions) => nextAllowedTime(at(iso), o).toISOString();

describe("quiet hours (default 21:00–08:00, customer's zone)", () => {
  it("returns the same instant when messaging is allowed (seconds and ms kept)", () => {
    // 10:00:12.345 in Phoenix (UTC−7, no DST)
    expect(next("2026-01-05T17:00:12.345Z", phoenix)).toBe("2026-01-05T17:00:12.345Z");
    expect(next("2026-01-05T15:00:00.000Z", phoenix)).toBe("2026-01-05T15:00:00.000Z"); // 08:00 sharp is open
    expect(next("2026-01-06T03:59:59.999Z", phoenix)).toBe("2026-01-06T03:59:59.999Z"); // 20:59:59.999
  });

  it("defers a 22:30 message to 08:00 the next day, crossing midnight", () => {
    expect(next("2026-01-06T05:30:00.000Z", phoenix)).toBe("2026-01-06T15:00:00.000Z");
  });

  it("defers from the start of quiet hours (21:00 is quiet) and from after midnight", () => {
    expect(next("2026-01-06T04:00:00.000Z", phoenix)).toBe("2026-01-06T15:00:00.000Z"); // 21:00
    expect(next("2026-01-06T09:00:00.000Z", phoenix)).toBe("2026-01-06T15:00:00.000Z"); // 02:00
    expect(next("2026-01-06T14:59:59.000Z", phoenix)).toBe("2026-01-06T15:00:00.000Z"); // 07:59:59
  });

  it("handles a quiet window inside one day, and none when start equals end", () => {
    const lunch = { ...phoenix, quietStart: "12:00", quietEnd: "13:00" };
    expect(next("2026-01-05T19:30:00.000Z", lunch)).toBe("2026-01-05T20:00:00.000Z"); // 12:30 → 13:00
    expect(next("2026-01-06T06:00:00.000Z", lunch)).toBe("2026-01-06T06:00:00.000Z"); // 23:00 is fine
    const none = { ...phoenix, quietStart: "00:00", quietEnd: "00:00" };
    expect(next("2026-01-06T09:00:00.000Z", none)).toBe("2026-01-06T09:00:00.000Z");
  });

  it("uses the customer's own quiet hours", () => {
    const late = { ...phoenix, quietStart: "22:30", quietEnd: "09:15" };
    expect(next("2026-01-06T05:00:00.000Z", late)).toBe("2026-01-06T05:00:00.000Z"); // 22:00 open
    expect(next("2026-01-06T15:00:00.000Z", late)).toBe("2026-01-06T16:15:00.000Z"); // 08:00 → 09:15
  });

  it("America/New_York spring forward: 08:00 EDT is 12:00Z on the change day", () => {
    // Sat 2026-03-07 23:00 EST = 2026-03-08T04:00Z; clocks jump 02:00 → 03:00 that night.
    expect(next("2026-03-08T04:00:00.000Z", newYork)).toBe("2026-03-08T12:00:00.000Z");
    // The day before, 08:00 EST is 13:00Z.
    expect(next("2026-03-07T04:00:00.000Z", newYork)).toBe("2026-03-07T13:00:00.000Z");
  });

  it("America/New_York fall back: 08:00 EST is 13:00Z on the change day", () => {
    // Sat 2026-10-31 22:00 EDT = 2026-11-01T02:00Z; clocks fall back 02:00 → 01:00.
    expect(next("2026-11-01T02:00:00.000Z", newYork)).toBe("2026-11-01T13:00:00.000Z");
    // 01:30 happens twice that night; both are quiet.
    expect(next("2026-11-01T05:30:00.000Z", newYork)).toBe("2026-11-01T13:00:00.000Z");
    expect(next("2026-11-01T06:30:00.000Z", newYork)).toBe("2026-11-01T13:00:00.000Z");
    // 20:59 EST is still open, 21:00 EST (02:00Z) is quiet.
    expect(next("2026-11-02T01:59:00.000Z", newYork)).toBe("2026-11-02T01:59:00.000Z");
    expect(next("2026-11-02T02:00:00.000Z", newYork)).toBe("2026-11-02T13:00:00.000Z");
  });

  it("Europe/Copenhagen spring forward and fall back", () => {
    // Sat 2026-03-28 21:30 CET = 20:30Z; DST starts 02:00 → 03:00 on the 29th: 08:00 CEST = 06:00Z.
    expect(next("2026-03-28T20:30:00.000Z", copenhagen)).toBe("2026-03-29T06:00:00.000Z");
    // Sat 2026-10-24 22:00 CEST = 20:00Z; DST ends 03:00 → 02:00 on the 25th: 08:00 CET = 07:00Z.
    expect(next("2026-10-24T20:00:00.000Z", copenhagen)).toBe("2026-10-25T07:00:00.000Z");
    // A quiet window ending inside the skipped hour (02:00–03:00 does not exist on 29 March)
    // opens at the first real instant after it, never before the window's end.
    const early = { ...copenhagen, quietStart: "23:00", quietEnd: "02:30" };
    const opened = nextAllowedTime(at("2026-03-28T23:30:00.000Z"), early); // 00:30 CET
    expect(opened.getTime()).toBeGreaterThanOrEqual(at("2026-03-29T01:00:00.000Z").getTime()); // 03:00 CEST
    expect(opened.getTime()).toBeLessThanOrEqual(at("2026-03-29T01:30:00.000Z").getTime());
  });

  it("falls back to UTC for an unknown zone instead of failing", () => {
    const bad = { ...phoenix, timezone: "Mars/Olympus_Mons" };
    expect(next("2026-01-05T22:00:00.000Z", bad)).toBe("2026-01-06T08:00:00.000Z");
  });
});

describe("preferred contact times", () => {
  const times = { weekdays: ["morning", "afternoon"], weekends: ["any"] };
  const o = { ...phoenix, contactTimes: times };

  it("defers a weekday evening to the next morning, a Friday evening to Saturday 08:00", () => {
    // Mon 2026-01-05 18:00 Phoenix = 2026-01-06T01:00Z → Tue 08:00 = 15:00Z
    expect(next("2026-01-06T01:00:00.000Z", o)).toBe("2026-01-06T15:00:00.000Z");
    // Fri 2026-01-09 18:00 → Sat 08:00 (weekends "any", but quiet hours still hold)
    expect(next("2026-01-10T01:00:00.000Z", o)).toBe("2026-01-10T15:00:00.000Z");
    // Sat 19:00 is fine on a weekend
    expect(next("2026-01-11T02:00:00.000Z", o)).toBe("2026-01-11T02:00:00.000Z");
  });

  it("evening-only customers wait until 17:00", () => {
    const evening = { ...phoenix, contactTimes: { weekdays: ["evening"] } };
    expect(next("2026-01-05T17:00:00.000Z", evening)).toBe("2026-01-06T00:00:00.000Z"); // Mon 10:00 → 17:00
    // weekends not mentioned: unrestricted (quiet hours only)
    expect(next("2026-01-10T17:00:00.000Z", evening)).toBe("2026-01-10T17:00:00.000Z");
  });

  it("an empty weekend list skips the weekend", () => {
    const weekdaysOnly = { ...phoenix, contactTimes: { weekdays: ["morning"], weekends: [] } };
    // Fri 2026-01-09 13:00 → Mon 2026-01-12 08:00
    expect(next("2026-01-09T20:00:00.000Z", weekdaysOnly)).toBe("2026-01-12T15:00:00.000Z");
  });

  it("day names win over weekdays/weekends; a list applies to every day; HH:MM-HH:MM slots work", () => {
    const o2 = { ...phoenix, contactTimes: { weekdays: ["morning"], tuesday: ["15:30-16:00"] } };
    // Tue 2026-01-06 09:00 → 15:30 the same day
    expect(next("2026-01-06T16:00:00.000Z", o2)).toBe("2026-01-06T22:30:00.000Z");
    const list = { ...phoenix, contactTimes: ["afternoon"] };
    expect(next("2026-01-10T16:00:00.000Z", list)).toBe("2026-01-10T19:00:00.000Z"); // Sat 09:00 → 12:00
  });

  it("preferences that leave no time at all are ignored (defer, never drop)", () => {
    const contradiction = { ...phoenix, quietStart: "17:00", quietEnd: "08:00", contactTimes: ["evening"] };
    expect(next("2026-01-05T17:00:00.000Z", contradiction)).toBe("2026-01-05T17:00:00.000Z");
    expect(next("2026-01-06T01:00:00.000Z", contradiction)).toBe("2026-01-06T15:00:00.000Z");
  });

  it("unreadable preferences are ignored", () => {
    expect(parseContactTimes("mornings please")).toBeNull();
    expect(parseContactTimes({ weekdays: ["brunch"] })).toBeNull();
    expect(parseContactTimes(null)).toBeNull();
    expect(next("2026-01-05T17:00:00.000Z", { ...phoenix, contactTimes: { weekdays: 42 } })).toBe(
      "2026-01-05T17:00:00.000Z",
    );
  });
});

describe("properties", () => {
  const zones = ["America/Phoenix", "America/New_York", "Europe/Copenhagen", "Australia/Lord_Howe", "Asia/Kolkata"];
  const hhmm = fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
    .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`);
  const slot = fc.constantFrom("morning", "afternoon", "evening", "any");
  const options = fc.record({
    timezone: fc.constantFrom(...zones),
    quietStart: hhmm,
    quietEnd: hhmm,
    contactTimes: fc.option(fc.record({ weekdays: fc.array(slot, { maxLength: 3 }), weekends: fc.array(slot) }), {
      nil: undefined,
    }),
  });
  const instant = fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) }).map((ms) => new Date(ms));

  it("the result is never earlier, is itself allowed, and is within 8 days", () => {
    fc.assert(
      fc.property(instant, options, (t, o) => {
        const r = nextAllowedTime(t, o);
        expect(r.getTime()).toBeGreaterThanOrEqual(t.getTime());
        expect(r.getTime() - t.getTime()).toBeLessThanOrEqual(8 * 86_400_000);
        expect(isAllowedTime(r, o)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it("nothing between the asked instant and the result is allowed (sampled every 13 minutes)", () => {
    fc.assert(
      fc.property(instant, options, (t, o) => {
        const r = nextAllowedTime(t, o).getTime();
        const step = 60_000;
        for (let x = t.getTime() + step; x < r && x - t.getTime() < 2 * 86_400_000; x += 13 * step) {
          expect(isAllowedTime(new Date(x), o)).toBe(false);
        }
      }),
      { numRuns: 40 },
    );
  });
});
