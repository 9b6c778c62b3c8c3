import { describe, expect, it } from "vitest";
import { pageErrors, screenshot, signIn, useBrowserPanel } from "./support.js";

const e2e = useBrowserPanel();

/** "$1,234.56" → 123456 cents. */
const centsOf = (text: string | null) => Math.round(Number((text ?? "").replace(/[^0-9.-]/g, "")) * 100);

describe("the customer card's service sections in a real browser", { retry: 2 }, () => {
  it("adds a payment and sees the profit change without a reload; a refused amount stays inline", async () => {
    const { w, url } = e2e.server;
    const customer = await w.prisma.customer.findFirstOrThrow({ where: { name: "Linh Nguyen" } });
    const page = await e2e.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // The refused amount's 422 is expected; anything else is a bug (a CSP violation, a script error).
    const errors = pageErrors(page, (text) => text.includes("status of 422"));
    await signIn(page, url);
    await page.goto(`${url}/admin/customers/${customer.id}`);
    const profit = page.locator("#financials [data-profit]");
    const before = centsOf(await profit.textContent());
    const paymentsBefore = await w.prisma.payment.count({ where: { customer_id: customer.id } });

    await page.evaluate("window.__marker = 1");
    const origin = await page.evaluate("performance.timeOrigin");
    let loads = 0;
    page.on("load", () => loads++);

    // A refused amount: the reason next to the form, nothing saved, the profit unchanged.
    const form = page.locator("#payments form.inline-form");
    await form.locator('input[name="amount"]').fill("12.345");
    const refused = page.waitForResponse((r) => r.url().endsWith(`/admin/customers/${customer.id}/payments`));
    await form.locator('button[type="submit"]').click();
    expect((await refused).status()).toBe(422);
    await page.waitForSelector('#payments .field-error[data-code="VALIDATION_FAILED"]');
    expect(centsOf(await profit.textContent())).toBe(before);

    // A good one: the payments list and the profit change together, in place.
    const again = page.locator("#payments form.inline-form");
    await again.locator('input[name="amount"]').fill("250.75");
    await again.locator('select[name="payment_method"]').selectOption("card");
    await again.locator('input[name="notes"]').fill("e2e payment");
    const posted = page.waitForResponse((r) => r.url().endsWith(`/admin/customers/${customer.id}/payments`));
    await again.locator('button[type="submit"]').click();
    expect((await posted).status()).toBe(200);
    await page.waitForSelector('#payments td:has-text("e2e payment")');
    await page.waitForFunction(
      (expected) => document.querySelector("#financials [data-profit]")?.getAttribute("data-profit") === expected,
      ((before + 25_075) / 100).toFixed(2),
    );
    expect(centsOf(await profit.textContent())).toBe(before + 25_075);
    await expect(page.locator("#payments .field-error").count()).resolves.toBe(0);

    expect(await page.evaluate("window.__marker"), "no page reload: the marker survived").toBe(1);
    expect(loads, "no page load happened").toBe(0);
    expect(await page.evaluate("performance.timeOrigin"), "still the same document").toBe(origin);
    expect(page.url()).toBe(`${url}/admin/customers/${customer.id}`);
    await screenshot(page, "customer-card-payment");

    expect(await w.prisma.payment.count({ where: { customer_id: customer.id } })).toBe(paymentsBefore + 1);
    const row = await w.prisma.payment.findFirstOrThrow({ where: { notes: "e2e payment" } });
    expect(row).toMatchObject({ payment_method: "card", customer_id: customer.id });
    expect(row.amount.toString()).toBe("250.75");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the Technicians and Opportunities pages open from the navigation", async () => {
    const { url } = e2e.server;
    const page = await e2e.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = pageErrors(page);
    await signIn(page, url);
    await page.click('header nav a:has-text("Technicians")');
    await page.waitForSelector("h1:has-text('Technicians')");
    await page.click('header nav a:has-text("Opportunities")');
    await page.waitForSelector("#opportunities-table");
    await screenshot(page, "opportunities");
    expect(errors).toEqual([]);
    await page.close();
  });
});
