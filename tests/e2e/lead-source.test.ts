/**
 * Issue 15 in a real browser: an admin edits a lead source's bidding window on the Settings page
 * (inline, htmx) and the next lead from that source closes on the new time — not a second early
 * and not the old default's time — on the server's fake clock.
 */
import { describe, expect, it } from "vitest";
import { createLead } from "../../core/marketplace/lead.service.js";
import { pageErrors, screenshot, signIn, useBrowserPanel } from "./support.js";

const e2e = useBrowserPanel();

describe("lead sources in a real browser", { retry: 2 }, () => {
  it("edits a source's bidding window inline and the next lead closes on time", async () => {
    const { w, url } = e2e.server;
    const page = await e2e.browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = pageErrors(page);
    await signIn(page, url);
    await page.goto(`${url}/admin/settings`);
    await page.evaluate(() => {
      (window as unknown as { marker: string }).marker = "same page";
    });
    const row = page.locator("#source-website");
    await row.locator("a.edit").click();
    await row.locator('input[name="bidding_window_seconds"]').fill("90");
    const saved = page.waitForResponse((r) => r.url().endsWith("/admin/settings/lead-sources/website"));
    await row.locator('button[type="submit"]').click();
    expect((await saved).status()).toBe(200);
    await page.waitForFunction(() => !document.querySelector("#source-website.editing"));
    await expect(page.locator("#source-website td").nth(2).textContent()).resolves.toMatch(/^90 /);
    // The row was swapped in place: no navigation happened.
    await expect(page.evaluate(() => (window as unknown as { marker?: string }).marker)).resolves.toBe("same page");
    await screenshot(page, "lead-source-window-edited");
    expect(errors).toEqual([]);

    const created = await createLead(w.deps, {
      category: (await w.prisma.category.findFirstOrThrow()).slug,
      lead_source: "website",
      title: "Furnace makes a banging noise",
      customer_name: "Wendy Window",
      customer_phone: "+1 602 555 0142",
      customer_zip_code: "85004",
    });
    if (!created.ok) throw new Error(created.message);
    const lead = created.value.lead;
    expect((lead.bidding_closes_at as Date).getTime() - w.clock.now().getTime()).toBe(90_000);
    await w.advance(89_000);
    expect((await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } })).status).toBe("ACTIVE");
    await w.advance(1_000);
    expect((await w.prisma.lead.findUniqueOrThrow({ where: { id: lead.id } })).status).not.toBe("ACTIVE");
  });
});
