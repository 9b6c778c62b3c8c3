/// <reference lib="dom" />
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { pageErrors, screenshot, signIn, useBrowserPanel } from "./support.js";

const e2e = useBrowserPanel();

const markPage = (page: Page) =>
  page.evaluate(() => {
    (window as unknown as { __marker: number }).__marker = 1;
  });
const marked = (page: Page) => page.evaluate(() => (window as unknown as { __marker?: number }).__marker);

describe("templates in a real browser", { retry: 2 }, () => {
  it("edits a sequence template: steps editor and live preview without a reload, then saves", async () => {
    const tpl = await e2e.server.w.prisma.sequenceTemplate.findFirstOrThrow({ where: { name: "replacement_urgent" } });
    const steps = tpl.steps as Array<{ text: string }>;
    const page = await e2e.browser.newPage();
    const errors = pageErrors(page);
    await signIn(page, e2e.server.url);
    await page.goto(`${e2e.server.url}/admin/templates`);
    await page.click(`#tpl-${tpl.id} a`);
    await page.waitForSelector("#template-form");
    await markPage(page);

    // The steps editor swaps in place: add a step, then remove it again.
    const count = steps.length;
    await page.click('[data-step-op="add"]');
    await page.waitForSelector(`fieldset.step[data-step="${count + 1}"]`);
    await page.locator(`fieldset.step[data-step="${count + 1}"] [data-step-op="remove"]`).click();
    await page.waitForFunction((n) => document.querySelectorAll("fieldset.step").length === n, count);

    // Typing re-renders the preview with sample data.
    const first = '#preview .preview-step[data-step="1"] [data-preview-text]';
    expect(await page.textContent(first)).toContain("Hi Alex");
    await page.fill(
      'textarea[name="steps.0.text"]',
      "Hello {{first_name}}, your {{asset_brand}} is {{asset_age_years}} years old.",
    );
    await page.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent?.includes("Hello Alex, your Rheem is 12 years old."),
      first,
    );
    // An unknown placeholder shows up in the preview's error list as you type.
    await page.fill('textarea[name="steps.1.text"]', "Hi {{frist_name}}");
    await page.waitForSelector("#preview [data-preview-errors]");
    expect(await page.textContent("#preview [data-preview-errors]")).toContain("unknown placeholder {{frist_name}}");
    await page.fill('textarea[name="steps.1.text"]', steps[1]?.text ?? "");
    await page.waitForFunction(() => !document.querySelector("#preview [data-preview-errors]"));
    expect(await marked(page), "the preview changed without a page reload").toBe(1);
    await screenshot(page, "template-preview");

    await Promise.all([page.waitForURL(/saved=1/), page.click("[data-save]")]);
    await page.waitForSelector("[data-saved]");
    const saved = await e2e.server.w.prisma.sequenceTemplate.findUniqueOrThrow({ where: { id: tpl.id } });
    const savedSteps = saved.steps as Array<{ text: string }>;
    expect(savedSteps[0]?.text).toBe("Hello {{first_name}}, your {{asset_brand}} is {{asset_age_years}} years old.");
    expect(savedSteps).toHaveLength(count);
    expect(await page.inputValue('textarea[name="steps.0.text"]')).toContain("Hello {{first_name}}");
    await screenshot(page, "template-saved");
    expect(errors, "no CSP violations or script errors").toEqual([]);
    await page.close();
  });
});
