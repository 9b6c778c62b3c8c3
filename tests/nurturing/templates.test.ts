import { describe, expect, it } from "vitest";
import {
  ALL_PLACEHOLDERS,
  checkTemplate,
  placeholdersIn,
  renderHtml,
  renderText,
} from "../../core/messaging/templates.js";
import { estValueFor } from "../../core/nurturing/est-value.js";
import { parseDelay, parseSteps, parseTemplateInput } from "../../core/nurturing/template.js";

describe("placeholder rendering", () => {
  it("fills known placeholders (spaces and case tolerated) and keeps the rest of the text", () => {
    const r = renderText("Hi {{first_name}}, it's {{ Company }}: {{link}}", {
      first_name: "Anna",
      company: "Desert Breeze",
      link: "https://x.test/t/abc",
    });
    expect(r).toEqual({ text: "Hi Anna, it's Desert Breeze: https://x.test/t/abc", unknown: [], missing: [] });
  });

  it("reports unknown placeholders and leaves them visible; missing values use a fallback", () => {
    const r = renderText("Hi {{first_name}} {{shoe_size}} {{asset_brand}} {{est_value}}.", {});
    expect(r.text).toBe("Hi there {{shoe_size}} system .");
    expect(r.unknown).toEqual(["shoe_size"]);
    expect(r.missing).toEqual(["first_name", "asset_brand", "est_value"]);
  });

  it("escapes the template and every value for e-mail HTML; URLs become links", () => {
    const r = renderHtml("Hi {{name}} & co <b>\n{{link}}", {
      name: `<script>alert("x")</script>`,
      link: "https://x.test/t/a?b=1&c=2",
    });
    expect(r.text).toBe(
      'Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co &lt;b&gt;<br>\n<a href="https://x.test/t/a?b=1&amp;c=2">https://x.test/t/a?b=1&amp;c=2</a>',
    );
    expect(renderHtml("{{link}}", { link: "javascript:alert(1)" }).text).toBe("javascript:alert(1)");
  });

  it("validation lists unknown and malformed placeholders", () => {
    expect(checkTemplate("Hi {{first_name}}")).toEqual([]);
    expect(checkTemplate("Hi {{frist_name}}").map((e) => e.placeholder)).toEqual(["frist_name"]);
    expect(checkTemplate("Hi {{first name}}")[0]?.message).toMatch(/malformed/);
    expect(checkTemplate("Hi {{first_name")[0]?.message).toMatch(/malformed/);
    expect(checkTemplate("Bid closes in {{minutes_left}}")).toHaveLength(1);
    expect(checkTemplate("Bid closes in {{minutes_left}}", ALL_PLACEHOLDERS)).toEqual([]);
    expect(placeholdersIn("{{a}} {{b}} {{a}}")).toEqual(["a", "b"]);
  });
});

describe("sequence template steps", () => {
  const step = (o: Record<string, unknown> = {}) => ({ delay: "2d", channel: "sms", text: "Hi {{first_name}}", ...o });

  it("accepts ms-style delays from 0m to 365d and rejects the rest", () => {
    expect(parseDelay("0m")).toBe(0);
    expect(parseDelay("4h")).toBe(4 * 3_600_000);
    expect(parseDelay("2d")).toBe(2 * 86_400_000);
    expect(parseDelay("1.5h")).toBe(5_400_000);
    for (const bad of ["", "2", "soon", "-1d", "400d", "2 fortnights"]) expect(parseDelay(bad)).toBeNull();
  });

  it("validates 1–20 steps and names the failing step", () => {
    expect(parseSteps([step()]).ok).toBe(true);
    expect(parseSteps([step({ channel: "email", subject: "Your quote", link_url: "https://a.test/x" })]).ok).toBe(true);
    const empty = parseSteps([]);
    expect(empty.ok ? null : empty.message).toMatch(/at least one step/);
    const many = parseSteps(Array.from({ length: 21 }, () => step()));
    expect(many.ok ? null : many.message).toMatch(/at most 20 steps/);
    const bad = parseSteps([step(), step(), step({ delay: "tomorrow" })]);
    expect(bad.ok ? null : bad.message).toBe('step 3: delay must look like "0m", "4h" or "2d" (at most 365d)');
    const channel = parseSteps([step({ channel: "fax" })]);
    expect(channel.ok ? null : channel.message).toMatch(/^step 1: channel must be one of sms, email/);
    const unknown = parseSteps([step(), step({ text: "Hi {{nickname}}" })]);
    expect(unknown.ok ? null : unknown.message).toMatch(/^step 2: unknown placeholder \{\{nickname\}\}/);
    const link = parseSteps([step({ link_url: "javascript:alert(1)" })]);
    expect(link.ok ? null : link.message).toBe("step 1: link_url must be an http(s) URL");
    const extra = parseSteps([step({ colour: "red" })]);
    expect(extra.ok).toBe(false);
  });

  it("validates a whole template", () => {
    const r = parseTemplateInput({ name: "Replacement", trigger_type: "replacement", steps: [step()] });
    expect(r.ok).toBe(true);
    const bad = parseTemplateInput({ name: "", trigger_type: "drop table", steps: [step()] });
    expect(bad.ok ? [] : (bad.details as Array<{ field: string }>).map((d) => d.field)).toEqual([
      "name",
      "trigger_type",
    ]);
  });

  it("estimated values per opportunity type", () => {
    expect(estValueFor("replacement")).toBe("18000.00");
    expect(estValueFor("code_violation")).toBe("6500.00");
    expect(estValueFor("maintenance")).toBe("450.00");
    expect(estValueFor("toString")).toBeNull();
    expect(estValueFor(null)).toBeNull();
  });
});
