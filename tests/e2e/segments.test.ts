import { describe, expect, it } from "vitest";
import { userId } from "../../prisma/seed/people.js";
import { pageErrors, screenshot, signIn, useBrowserPanel } from "./support.js";

const e2e = useBrowserPanel();

describe("segments in a real browser", { retry: 2 }, () => {
  it("builds a two-row segment whose live count matches the database, saves it and blasts it", async () => {
    const ownerId = userId("breeze");
    const expected = await e2e.server.w.prisma.customer.count({
      where: { owner_id: ownerId, property_city: "Phoenix", status: "active" },
    });
    expect(expected).toBeGreaterThan(0);
    const page = await e2e.browser.newPage();
    const errors = pageErrors(page);
    await signIn(page, e2e.server.url);
    await page.goto(`${e2e.server.url}/admin/segments/new`);
    await page.fill('input[name="name"]', "Phoenix active (e2e)");
    await page.selectOption('select[name="owner_id"]', ownerId);
    // Changing a row's field re-renders the builder with that field's operators and value input.
    await page.selectOption('select[name="rows.0.field"]', "city");
    await page.waitForSelector('input[name="rows.0.value"]');
    await page.fill('input[name="rows.0.value"]', "Phoenix");
    await page.click('[data-row-op="add"]');
    await page.waitForSelector('select[name="rows.1.field"]');
    expect(await page.inputValue('input[name="rows.0.value"]')).toBe("Phoenix");
    await page.selectOption('select[name="rows.1.value"]', "active");
    await page.waitForSelector(`#segment-count [data-count="${expected}"]`);
    await screenshot(page, "segment-builder");

    await Promise.all([page.waitForURL(/saved=1/), page.click("[data-save]")]);
    const segment = await e2e.server.w.prisma.segment.findFirstOrThrow({ where: { name: "Phoenix active (e2e)" } });
    expect(segment.filter).toEqual({
      all: [
        { field: "city", op: "=", value: "Phoenix" },
        { field: "status", op: "=", value: "active" },
      ],
    });
    await page.waitForSelector(`#segment-count [data-count="${expected}"]`);

    // Blast: review shows who will receive it (opted-out excluded), then the confirmed send.
    await Promise.all([page.waitForURL(/\/blast\?/), page.click("[data-review-blast]")]);
    const audience = Number(await page.getAttribute("[data-audience]", "data-audience"));
    expect(audience).toBeGreaterThan(0);
    expect(audience).toBeLessThanOrEqual(expected);
    await screenshot(page, "segment-blast-confirm");
    await Promise.all([page.waitForURL(/sent=/), page.click("[data-confirm-blast]")]);
    await page.waitForSelector('#campaigns [data-state="sent"]');
    const campaign = await e2e.server.w.prisma.campaign.findFirstOrThrow({ where: { segment_id: segment.id } });
    expect(await e2e.server.w.prisma.outboundMessage.count({ where: { campaign_id: campaign.id, lane: "bulk" } })).toBe(
      audience,
    );
    await screenshot(page, "segment-blast-sent");
    expect(errors, "no CSP violations or script errors").toEqual([]);
    await page.close();
  });
});
