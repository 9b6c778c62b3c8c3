/**
 * The filter validator and compiler, without a database: whitelisted fields only, typed
 * values, bounded trees, errors that name the offending path, and SQL whose text never
 * contains anything a user typed.
 */
import { describe, expect, it } from "vitest";
import { factsOf } from "../../core/messaging/customer-message.js";
import { candidatesOf } from "../../core/messaging/route-candidates.js";
import { compileFilter, escapeLike, resolveDate } from "../../core/segments/compile.js";
import { FIELDS, fieldCatalogue } from "../../core/segments/fields.js";
import { parseDateValue, type SegmentFilter, validateFilter } from "../../core/segments/filter.js";
import { chooseRecipient, renderPlaceholders } from "../../core/segments/recipients.js";

const NOW = new Date("2026-01-05T09:00:00.000Z");

function failure(input: unknown) {
  const r = validateFilter(input);
  if (r.ok) throw new Error(`expected a failure for ${JSON.stringify(input)}`);
  expect(r.code).toBe("VALIDATION_FAILED");
  return r as typeof r & { details: Array<{ field: string; message: string }> };
}

describe("validateFilter", () => {
  it("accepts the seed's example and normalises it", () => {
    const r = validateFilter({
      all: [
        { field: "equipment_age", op: ">", value: 10 },
        { field: "last_service_date", op: "<", value: "-6 months" },
        {
          any: [
            { field: "city", op: "in", value: [" Phoenix", "Mesa"] },
            { field: "zip", op: "is_null" },
          ],
        },
      ],
    });
    expect(r).toEqual({
      ok: true,
      value: {
        all: [
          { field: "equipment_age", op: ">", value: 10 },
          { field: "last_service_date", op: "<", value: "-6 months" },
          {
            any: [
              { field: "city", op: "in", value: ["Phoenix", "Mesa"] },
              { field: "zip", op: "is_null", value: true },
            ],
          },
        ],
      },
    });
  });

  it("rejects unknown and malicious field names, naming the path", () => {
    for (const field of [
      "name; DROP TABLE customers",
      "__proto__",
      "owner_id",
      "constructor",
      "toString",
      "c.id",
      "",
    ]) {
      const f = failure({
        all: [
          { field: "status", op: "=", value: "lead" },
          { field, op: "=", value: "x" },
        ],
      });
      expect(f.details[0]?.field).toBe("filter.all.1.field");
      expect(f.message).toMatch(/^filter\.all\.1\.field: unknown field/);
    }
  });

  it("rejects a __proto__ key smuggled in by JSON.parse, and any other unknown key", () => {
    const parsed = JSON.parse('{"any":[{"field":"status","op":"=","value":"lead","__proto__":{"op":"in"}}]}');
    expect(failure(parsed).details[0]?.field).toBe("filter.any.0.__proto__");
    expect(failure({ field: "status", op: "=", value: "lead", sql: "1=1" }).details[0]?.field).toBe("filter.sql");
    expect(failure({ all: [], any: [] }).details[0]?.field).toBe("filter");
    expect(failure({ all: {} }).details[0]?.field).toBe("filter.all");
  });

  it("rejects operators a field does not support", () => {
    expect(failure({ field: "status", op: ">", value: "lead" }).details[0]?.field).toBe("filter.op");
    expect(failure({ field: "created_at", op: "is_null" }).details[0]?.field).toBe("filter.op");
    expect(failure({ field: "equipment_age", op: "=", value: 3 }).details[0]?.field).toBe("filter.op");
    expect(failure({ field: "name", op: "LIKE", value: "%" }).details[0]?.field).toBe("filter.op");
    expect(failure({ field: "name", op: "= 1 OR 1=1 --", value: "x" }).details[0]?.field).toBe("filter.op");
  });

  it("rejects wrong value types, with the value's path", () => {
    const cases: Array<[unknown, string]> = [
      [{ field: "equipment_age", op: ">", value: "10" }, "filter.value"],
      [{ field: "equipment_age", op: ">", value: Number.NaN }, "filter.value"],
      [{ field: "status", op: "=", value: "vip" }, "filter.value"],
      [{ field: "status", op: "in", value: ["lead", "vip"] }, "filter.value.1"],
      [{ field: "status", op: "in", value: [] }, "filter.value"],
      [{ field: "created_at", op: "<", value: "last tuesday" }, "filter.value"],
      [{ field: "created_at", op: "<", value: "2025-02-31" }, "filter.value"],
      [{ field: "open_deals", op: ">=", value: 1.5 }, "filter.value"],
      [{ field: "opted_out", op: "=", value: "true" }, "filter.value"],
      [{ field: "lead_source", op: "=", value: { $ne: null } }, "filter.value"],
      [{ field: "zip", op: "is_null", value: "yes" }, "filter.value"],
    ];
    for (const [input, path] of cases) expect(failure(input).details[0]?.field, JSON.stringify(input)).toBe(path);
  });

  it("bounds depth, size and shape", () => {
    const leaf = { field: "status", op: "=", value: "lead" };
    expect(validateFilter({ all: [{ any: [{ all: [leaf] }] }] }).ok).toBe(true); // depth 4
    const deep = failure({ all: [{ any: [{ all: [{ any: [leaf] }] }] }] });
    expect(deep.details[0]).toEqual({
      field: "filter.all.0.any.0.all.0.any.0",
      message: expect.stringMatching(/deeply/),
    });
    expect(failure({ all: Array.from({ length: 31 }, () => leaf) }).message).toMatch(/at most 30/);
    expect(
      failure({ all: Array.from({ length: 2 }, () => ({ any: Array.from({ length: 16 }, () => leaf) })) }).message,
    ).toMatch(/at most 30 conditions/);
    for (const bad of [null, 42, "status = 'lead'", [leaf]]) expect(failure(bad).details[0]?.field).toBe("filter");
  });

  it("keeps malicious text as a plain, bounded value", () => {
    expect(validateFilter({ field: "lead_source", op: "=", value: "' OR 1=1 --" })).toEqual({
      ok: true,
      value: { field: "lead_source", op: "=", value: "' OR 1=1 --" },
    });
    expect(failure({ field: "name", op: "contains", value: "x".repeat(101) }).details[0]?.field).toBe("filter.value");
  });
});

describe("dates", () => {
  it("parses relative and absolute values and resolves them against now", () => {
    const at = (v: string) => resolveDate(parseDateValue(v)!, NOW).toISOString();
    expect(at("-6 months")).toBe("2025-07-05T09:00:00.000Z");
    expect(at("-1 year")).toBe("2025-01-05T09:00:00.000Z");
    expect(at("+7 days")).toBe("2026-01-12T09:00:00.000Z");
    expect(at("-2 Weeks")).toBe("2025-12-22T09:00:00.000Z");
    expect(at("now")).toBe(NOW.toISOString());
    expect(at("2025-06-01")).toBe("2025-06-01T00:00:00.000Z");
    expect(at("2025-06-01T12:00:00+02:00")).toBe("2025-06-01T10:00:00.000Z");
    for (const bad of ["6 months", "-6 fortnights", "2025-13-01", "yesterday; DROP", "-99999 days"]) {
      expect(parseDateValue(bad), bad).toBeNull();
    }
  });
});

describe("compileFilter", () => {
  const compiled = (f: SegmentFilter) => compileFilter(f, NOW);

  it("binds every user value as a parameter and never puts it in the SQL text", () => {
    const evil = "'; DROP TABLE customers; --";
    const q = compiled({
      any: [
        { field: "lead_source", op: "=", value: evil },
        { field: "name", op: "contains", value: evil },
        { field: "city", op: "in", value: [evil, "Mesa"] },
        { field: "status", op: "in", value: ["lead", "active"] },
        { field: "created_at", op: "<", value: "-6 months" },
        { field: "total_revenue", op: ">=", value: 1000 },
      ],
    });
    expect(q.sql).not.toContain("DROP");
    expect(q.sql).not.toContain("Mesa");
    expect(q.sql).not.toContain("1000");
    expect(q.values).toEqual(
      expect.arrayContaining([
        evil,
        `%${escapeLike(evil)}%`,
        "Mesa",
        "lead",
        "active",
        1000,
        new Date("2025-07-05T09:00:00Z"),
      ]),
    );
  });

  it("escapes LIKE wildcards so they match themselves", () => {
    expect(escapeLike("100%_off\\")).toBe("100\\%\\_off\\\\");
  });

  it("treats empty groups as everyone / no one", () => {
    expect(compiled({ all: [] }).sql).toBe("TRUE");
    expect(compiled({ any: [] }).sql).toBe("FALSE");
  });

  it("compiles every whitelisted field", () => {
    for (const f of fieldCatalogue()) {
      const op = f.ops[0]!;
      const value =
        op === "is_null"
          ? true
          : f.type === "enum"
            ? op === "in"
              ? [f.values![0]!]
              : f.values![0]!
            : f.type === "date"
              ? "-1 month"
              : f.type === "boolean"
                ? true
                : f.type === "text"
                  ? "x"
                  : 1;
      const r = validateFilter({ field: f.field, op, value });
      expect(r.ok, f.field).toBe(true);
      if (r.ok) expect(compiled(r.value).sql.length).toBeGreaterThan(0);
    }
    expect(FIELDS.has("__proto__")).toBe(false);
  });
});

describe("recipients", () => {
  // Blasts decide through core/messaging/customer-message.ts (issue 12): on the campaign's channel
  // only; without one, the same routing every customer message has; quiet hours defer.
  const customer = {
    id: "c1",
    name: "Anna  Maria Jensen",
    email: "Anna@Example.com",
    phone: "+16025550101",
    property_city: "Phoenix",
    language_preference: "en",
    preferred_contact_method: null,
    opted_out_at: null,
    timezone: "Europe/Copenhagen",
    quiet_hours_start: null,
    quiet_hours_end: null,
    preferred_contact_times: null,
  };
  const rules = { quietHours: { start: "21:00", end: "08:00" }, defaultTimezone: "UTC" };
  const identity = (channel: "email" | "sms" | "whatsapp", address: string, opted_out = false) => ({
    id: `${channel}-${address}`,
    channel,
    address,
    opted_out,
    last_inbound_at: null,
  });
  type Row = Omit<typeof customer, "preferred_contact_method" | "opted_out_at" | "email" | "phone"> & {
    email: string | null;
    phone: string | null;
    preferred_contact_method: "phone" | "whatsapp" | null;
    opted_out_at: Date | null;
  };
  const facts = (
    c: Row,
    own: ReturnType<typeof identity>[] = [],
    atRow: Array<{ channel: "email" | "sms"; address: string; opted_out: boolean }> = [],
  ) => factsOf(c, candidatesOf(c, own, atRow), { lastInboundMessageAt: null, lastLeadAt: null }, rules);

  it("skips a customer who opted out of everything", () => {
    expect(chooseRecipient(facts({ ...customer, opted_out_at: NOW }), "email", NOW)).toMatchObject({
      status: "not_sent",
      reason: "opted_out",
    });
  });

  it("uses an identity on the channel, else the customer's own address unless it opted out", () => {
    expect(chooseRecipient(facts(customer, [identity("email", "anna@work.com")]), "email", NOW)).toMatchObject({
      status: "queued",
      address: "anna@work.com",
    });
    expect(chooseRecipient(facts(customer), "email", NOW)).toMatchObject({
      status: "queued",
      address: "Anna@Example.com",
    });
    const stopped = facts(customer, [], [{ channel: "email", address: "anna@example.com", opted_out: true }]);
    expect(chooseRecipient(stopped, "email", NOW)).toMatchObject({ status: "not_sent", reason: "opted_out" });
    expect(chooseRecipient(facts(customer, [identity("whatsapp", "wa", true)]), "whatsapp", NOW)).toMatchObject({
      status: "not_sent",
      reason: "opted_out",
    });
    expect(chooseRecipient(facts(customer), "telegram", NOW)).toMatchObject({
      status: "not_sent",
      reason: "unreachable",
    });
  });

  it("follows the preferred channel (phone means SMS) when the campaign names none, then routing's fallbacks", () => {
    const prefersPhone = { ...customer, preferred_contact_method: "phone" as const };
    expect(chooseRecipient(facts(prefersPhone), null, NOW)).toMatchObject({ status: "queued", channel: "sms" });
    const prefersWa = { ...customer, preferred_contact_method: "whatsapp" as const };
    expect(chooseRecipient(facts(prefersWa), null, NOW)).toMatchObject({ status: "queued", channel: "sms" });
  });

  it("waits out the customer's quiet hours in their own time zone", () => {
    const phoenix = { ...customer, timezone: "America/Phoenix" }; // 02:00 there
    expect(chooseRecipient(facts(phoenix), "email", NOW)).toMatchObject({
      status: "deferred",
      until: new Date("2026-01-05T15:00:00.000Z"),
      reason: "quiet_hours",
    });
  });

  it("fills placeholders and blanks unknown ones", () => {
    expect(renderPlaceholders("Hi {{first_name}} {{ last_name }} in {{city}} {{link}}!", customer)).toBe(
      "Hi Anna Maria Jensen in Phoenix !",
    );
  });
});
