/**
 * Issue 15 in a real browser: mark a nurturing sequence converted with its sale amount on the
 * sequences board and see the dashboard's revenue move; call a lead from the lead inbox (the
 * call is logged, the browser is handed the tel: link) and convert it in one click.
 */
import { describe, expect, it } from "vitest";
import { makeContractor, makeCustomer, makeSequence } from "../support/factories.js";
import { pageErrors, screenshot, signIn, useBrowserPanel } from "./support.js";

const e2e = useBrowserPanel();
const noTelHandler = (t: string) => /tel:|scheme does not have a registered handler|external protocol/i.test(t);

describe("operators in a real browser", { retry: 2 }, () => {
  it("marks a sequence converted with revenue and the dashboard's revenue moves", async () => {
    const { w, url } = e2e.server;
    const owner = await makeContractor(w.prisma, { name: "Eve Operator" });
    const customer = await makeCustomer(w.prisma, { owner_id: owner.id, name: "Rita Revenue" });
    const seq = await makeSequence(w.prisma, { customer_id: customer.id, est_value_usd: "4500.00" });
    const page = await e2e.browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const errors = pageErrors(page);
    await signIn(page, url);
    const revenueBefore = Number(await page.locator('[data-kpi="revenue"]').getAttribute("data-value"));

    await page.goto(`${url}/admin/sequences?owner=${owner.id}`);
    const row = page.locator(`#seq-${seq.id}`);
    await expect(row.locator("[data-est-value]").textContent()).resolves.toContain("~$4,500");
    await row.locator("summary").click();
    await row.locator('input[name="revenue_usd"]').fill("3,200");
    const posted = page.waitForResponse((r) => r.url().endsWith(`/admin/sequences/${seq.id}/convert`));
    await row.locator('form[data-convert] button[type="submit"]').click();
    expect((await posted).status()).toBe(200);
    await page.waitForSelector(`#seq-${seq.id} [data-celebrated]`);
    await expect(page.locator(`#seq-${seq.id} [data-revenue]`).textContent()).resolves.toContain("$3,200");
    await screenshot(page, "operators-sequence-converted");

    await page.goto(`${url}/admin`);
    const revenueAfter = Number(await page.locator('[data-kpi="revenue"]').getAttribute("data-value"));
    expect(revenueAfter).toBeCloseTo(revenueBefore + 3200, 2);
    expect(errors).toEqual([]);
    // The dashboard holds its live ticker open: close the page so it ends.
    await page.close();
  });

  it("calls a lead from the inbox (logged once, tel: handed over) and converts it in one click", async () => {
    const { w, url } = e2e.server;
    const owner = await makeContractor(w.prisma, { name: "Ivan Inbox" });
    const lead = await makeCustomer(w.prisma, { owner_id: owner.id, name: "Lou Lead", phone: "+16025550199" });
    const page = await e2e.browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const errors = pageErrors(page, noTelHandler);
    await signIn(page, url);
    await page.goto(`${url}/admin/inbox?owner=${owner.id}`);
    const badgeBefore = Number(await page.locator("#inbox-badge").getAttribute("data-count"));
    const row = page.locator(`#lead-${lead.id}`);

    // htmx hands the number to the phone (location = tel:…). A headless browser has no phone, and a
    // real tel: navigation there can leave the page deaf to the next clicks: catch the hand-over
    // on htmx's own location object (htmx._loc, there for tests) instead.
    await page.evaluate(() => {
      const w = window as unknown as { htmx: { _loc: unknown }; dialled?: string };
      const real = w.htmx._loc as Location;
      w.htmx._loc = {
        set href(url: string) {
          w.dialled = url;
        },
        reload: () => real.reload(),
      };
    });
    const called = page.waitForResponse((r) => r.url().endsWith(`/admin/inbox/${lead.id}/call`));
    await row.locator('[data-action="call"]').click();
    const res = await called;
    expect(res.status()).toBe(200);
    expect(res.headers()["hx-redirect"]).toBe("tel:+16025550199");
    await page.waitForFunction(() => (window as unknown as { dialled?: string }).dialled === "tel:+16025550199");
    await expect
      .poll(() => w.prisma.customerInteraction.count({ where: { customer_id: lead.id, type: "call" } }))
      .toBe(1);

    await page.goto(`${url}/admin/inbox?owner=${owner.id}`);
    const converted = page.waitForResponse((r) => r.url().endsWith(`/admin/inbox/${lead.id}/convert`));
    await page.locator(`#lead-${lead.id} [data-action="convert"]`).click();
    expect((await converted).status()).toBe(200);
    await page.waitForSelector(`[data-inbox-done="${lead.id}"]`);
    await expect(page.locator("#inbox-badge").getAttribute("data-count")).resolves.toBe(String(badgeBefore - 1));
    await screenshot(page, "operators-inbox-converted");
    expect((await w.prisma.customer.findUniqueOrThrow({ where: { id: lead.id } })).status).toBe("active");
    expect(errors).toEqual([]);
    await page.close();
  });
});
