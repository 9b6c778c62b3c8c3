import { describe, expect, it } from "vitest";
import { demoId } from "../../prisma/seed/kit.js";
import { userId } from "../../prisma/seed/people.js";
import { pageErrors, screenshot, signIn, useBrowserPanel } from "./support.js";

const e2e = useBrowserPanel();

describe("leads, contractors and ops in a real browser", { retry: 2 }, () => {
  it("filters leads with htmx (table swapped, URL pushed, no reload) and opens a lead's evidence", async () => {
    const page = await e2e.browser.newPage();
    const errors = pageErrors(page);
    await signIn(page, e2e.server.url);
    await page.goto(`${e2e.server.url}/admin/leads`);
    expect(await page.locator("#leads-table tr[data-lead]").count()).toBe(11);
    await page.evaluate("window.__marker = 1");
    await page.selectOption('select[name="status"]', "ACTIVE");
    const swapped = page.waitForResponse((r) => r.url().includes("/admin/leads?") && r.url().includes("status=ACTIVE"));
    await page.click('form[data-filter="leads"] button[type="submit"]');
    await swapped;
    await page.waitForFunction(() => document.querySelectorAll("#leads-table tr[data-lead]").length === 3);
    await page.waitForURL(/status=ACTIVE/);
    expect(await page.evaluate("window.__marker"), "the table was swapped without a reload").toBe(1);
    await screenshot(page, "leads-filtered");

    await page.goto(`${e2e.server.url}/admin/leads/${demoId("lead:strike-1")}`);
    await page.waitForSelector('ol.timeline li[data-type="strike"]');
    expect(await page.locator('table[data-section="bids"] tr[data-bid]').count()).toBe(2);
    await screenshot(page, "lead-evidence");

    await page.goto(`${e2e.server.url}/admin/contractors/${userId("quickfix")}`);
    await page.click('form[action$="/link-code"] button');
    await page.waitForSelector("#link-code[data-link-code]");
    await screenshot(page, "contractor-link-code");

    await page.goto(`${e2e.server.url}/admin/ops`);
    await page.waitForSelector("#outbox-table");
    await screenshot(page, "ops-outbox");
    expect(errors.join("\n"), "no CSP violations or script errors").toBe("");
    await page.close();
  });
});
