/** The chat's input readers, without a database: amounts, times, CRM instructions, fuzzy names. */
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { MAX_AMOUNT_CENTS, parseAmount } from "../../bot/chat/amount.js";
import { parseIntent } from "../../bot/chat/intents.js";
import { parseWhen } from "../../bot/chat/when.js";
import { bestNameMatches, editDistance, nameScore } from "../../core/crm/name-match.js";

const NOW = new Date("2026-01-05T16:30:00.000Z"); // Monday 09:30 in Phoenix, 17:30 in Copenhagen
const PHX = "America/Phoenix";
const CPH = "Europe/Copenhagen";
const local = (d: Date | undefined, tz: string) =>
  DateTime.fromJSDate(d as Date, { zone: tz }).toFormat("ccc yyyy-MM-dd HH:mm");

describe("parseAmount", () => {
  it.each([
    ["9000", 900_000],
    ["9,000", 900_000],
    ["9.000", 900_000],
    ["$9000.50", 900_050],
    ["$9,000.50", 900_050],
    ["9.000,50", 900_050],
    ["9 500", 950_000],
    ["9k", 900_000],
    ["9.5k", 950_000],
    ["9,5K", 950_000],
    ["2m", 200_000_000],
    ["0.99", 99],
    ["12,5", 1_250],
    ["10,000,000", MAX_AMOUNT_CENTS],
    ["USD 250", 25_000],
  ])("reads %s", (input, cents) => {
    expect(parseAmount(input)).toBe(cents);
  });

  it.each([
    "-5",
    "1e12",
    "abc",
    "0",
    "0.00",
    "10000000.01",
    "11m",
    "9000.505",
    "9,000,50",
    "",
    "$",
    "9..5",
    "∞",
    "NaN",
  ])("refuses %s", (input) => {
    expect(parseAmount(input)).toBeNull();
  });
});

describe("parseWhen (in the person's own time zone)", () => {
  it("reads relative times", () => {
    expect(parseWhen("in 2h to call Anna", NOW, PHX)).toEqual({
      at: new Date("2026-01-05T18:30:00.000Z"),
      rest: "call Anna",
    });
    expect(parseWhen("in 30 min", NOW, PHX)?.at).toEqual(new Date("2026-01-05T17:00:00.000Z"));
    expect(local(parseWhen("in 3 days check the van", NOW, CPH)?.at, CPH)).toBe("Thu 2026-01-08 17:30");
    expect(parseWhen("om 2 timer ring til Bo", NOW, CPH)?.rest).toBe("ring til Bo");
  });

  it("reads days and clock times where the person lives", () => {
    const phx = parseWhen("tomorrow 9:00 to call Anna", NOW, PHX);
    expect(phx?.at).toEqual(new Date("2026-01-06T16:00:00.000Z"));
    expect(phx?.rest).toBe("call Anna");
    const cph = parseWhen("tomorrow 9:00 to call Anna", NOW, CPH);
    expect(cph?.at).toEqual(new Date("2026-01-06T08:00:00.000Z"));
    expect(local(parseWhen("tomorrow at 2pm", NOW, PHX)?.at, PHX)).toBe("Tue 2026-01-06 14:00");
    expect(local(parseWhen("tomorrow", NOW, PHX)?.at, PHX)).toBe("Tue 2026-01-06 09:00");
    expect(local(parseWhen("i morgen kl. 7.30 ring til Bo", NOW, CPH)?.at, CPH)).toBe("Tue 2026-01-06 07:30");
    expect(local(parseWhen("friday 10:00 send quote", NOW, PHX)?.at, PHX)).toBe("Fri 2026-01-09 10:00");
    expect(local(parseWhen("monday", NOW, PHX)?.at, PHX)).toBe("Mon 2026-01-12 09:00");
    expect(local(parseWhen("at 8:00", NOW, PHX)?.at, PHX)).toBe("Tue 2026-01-06 08:00"); // 08:00 has passed today
    expect(local(parseWhen("at 16:15", NOW, PHX)?.at, PHX)).toBe("Mon 2026-01-05 16:15");
    // Past times are returned as they are: the caller says so.
    expect(parseWhen("today 8:00", NOW, PHX)?.at.getTime()).toBeLessThan(NOW.getTime());
  });

  it("refuses what is not a time", () => {
    for (const s of ["what time you said", "tomorrow 25:00", "at 13pm", "in two hours", "someday", ""]) {
      expect(parseWhen(s, NOW, PHX), s).toBeNull();
    }
  });
});

describe("parseIntent", () => {
  it("reads interactions, with the name and what follows it", () => {
    const i = parseIntent("called Anna, sending the video", NOW, PHX);
    expect(i).toMatchObject({ kind: "log", type: "call", guesses: [{ name: "Anna", after: "sending the video" }] });
    expect(parseIntent("met Bo", NOW, PHX)).toMatchObject({ kind: "log", type: "meeting", guesses: [{ name: "Bo" }] });
    expect(parseIntent("Note Anna: likes mornings", NOW, PHX)).toMatchObject({
      kind: "log",
      type: "note",
      guesses: [{ name: "Anna", after: "likes mornings" }],
    });
    expect(parseIntent("emailed Anna Jensen about the quote", NOW, PHX)).toMatchObject({
      type: "email",
      guesses: [{ name: "Anna Jensen", after: "about the quote" }, { name: "Anna" }],
    });
    expect(parseIntent("texted Anna's husband", NOW, PHX)).toMatchObject({
      type: "sms",
      guesses: [{ name: "Anna husband" }, { name: "Anna", after: "husband" }],
    });
    expect(parseIntent("ringede til Søren, han vil have et tilbud", NOW, CPH)).toMatchObject({
      type: "call",
      guesses: [{ name: "Søren" }],
    });
  });

  it("reads reminders, stage moves and nurturing commands", () => {
    expect(parseIntent("remind me tomorrow 9:00 to call Anna", NOW, PHX)).toEqual({
      kind: "remind",
      when: { at: new Date("2026-01-06T16:00:00.000Z"), rest: "call Anna" },
    });
    expect(parseIntent("remind me to call Anna tomorrow at 9", NOW, PHX)).toEqual({
      kind: "remind",
      when: { at: new Date("2026-01-06T16:00:00.000Z"), rest: "call Anna" },
    });
    expect(parseIntent("remind me what you said", NOW, PHX)).toEqual({ kind: "remind", when: null });
    expect(parseIntent("next stage Anna", NOW, PHX)).toMatchObject({ kind: "stage", guesses: [{ name: "Anna" }] });
    expect(parseIntent("pause Anna", NOW, PHX)).toMatchObject({ kind: "nurture", op: "pause" });
    expect(parseIntent("resume the nurturing for Anna", NOW, PHX)).toMatchObject({
      kind: "nurture",
      op: "resume",
      guesses: [{ name: "Anna" }],
    });
    expect(parseIntent("stop Anna", NOW, PHX)).toMatchObject({ kind: "nurture", op: "stop" });
  });

  it("leaves ordinary answers to customers alone", () => {
    for (const s of [
      "Hi Anna, I can come by at 3pm today.",
      "On my way!",
      "Perfect, see you then.",
      "1.9",
      "hello?",
      "Called you back but no answer",
      "stop",
      "Met you yesterday, thanks",
      "Calling in 5 minutes",
      "Stopping by at noon",
    ]) {
      expect(parseIntent(s, NOW, PHX), s).toBeNull();
    }
  });
});

describe("fuzzy customer names", () => {
  it("scores tiers: full name, first/last name, several prefixes, prefix, part, typo", () => {
    expect(nameScore("Anna Jensen", "Anna Jensen")).toBe(100);
    expect(nameScore("anna", "Anna Jensen")).toBe(90);
    expect(nameScore("jensen", "Anna Jensen")).toBe(90);
    expect(nameScore("ann j", "Anna Jensen")).toBe(80);
    expect(nameScore("Ann", "Anna Jensen")).toBe(70);
    expect(nameScore("nna je", "Anna Jensen")).toBe(60);
    expect(nameScore("Jenson", "Anna Jensen")).toBe(50);
    expect(nameScore("Jensne", "Anna Jensen")).toBe(50); // a swap is one typo
    expect(nameScore("soren", "Søren Ærø")).toBe(90);
    expect(nameScore("Bo", "Bob Smith")).toBe(0); // two letters: only whole words
    expect(nameScore("Carl", "Anna Jensen")).toBe(0);
    expect(editDistance("kitten", "sitting", 3)).toBe(3);
    expect(editDistance("abcd", "abdc")).toBe(1);
  });

  it("returns everyone in the best tier", () => {
    const people = [{ name: "Anna Jensen" }, { name: "Anna Berg" }, { name: "Hanna Lund" }];
    expect(bestNameMatches("Anna", people).map((p) => p.name)).toEqual(["Anna Jensen", "Anna Berg"]);
    expect(bestNameMatches("anna jensen", people).map((p) => p.name)).toEqual(["Anna Jensen"]);
    expect(bestNameMatches("Hana", people).map((p) => p.name)).toEqual(["Hanna Lund"]);
    expect(bestNameMatches("Zed", people)).toEqual([]);
  });
});
