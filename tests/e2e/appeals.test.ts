import { describe, expect, it } from "vitest";
import { bindIdentity } from "../../core/accounts/link.service.js";
import { demoId } from "../../prisma/seed/kit.js";
import { userId } from "../../prisma/seed/people.js";
import { pageErrors, screenshot, signIn, useBrowserPanel } from "./support.js";

const e2e = useBrowserPanel();

describe("the appeals queue in a real browser", { retry: 2 }, () => {
  it("approves the banned contractor's appeal inline: the card swaps without a reload and the chat gets the notice", async () => {
    const quickfix = userId("quickfix");
    const appealId = demoId("appeal:quickfix");
    // The seeded demo world has quickfix's pending appeal; link them to a chat so the notice has somewhere to go.
    const linked = await bindIdentity(e2e.server.w.deps, {
      channel: "telegram",
      address: "e2e-quickfix",
      userId: quickfix,
    });
    expect(linked.ok).toBe(true);

    const page = await e2e.browser.newPage();
    const errors = pageErrors(page);
    await signIn(page, e2e.server.url);
    await page.goto(`${e2e.server.url}/admin/appeals`);
    const card = page.locator(`#appeal-${appealId}`);
    await expect(card.getAttribute("data-status")).resolves.toBe("PENDING");
    await expect(card.locator("table.evidence tbody tr").count()).resolves.toBe(3);
    await page.evaluate("window.__marker = 1");
    const origin = await page.evaluate("performance.timeOrigin");
    // A reload or any full navigation fires "load" again; htmx swaps never do.
    let loads = 0;
    page.on("load", () => loads++);

    const posted = page.waitForResponse((r) => r.url().endsWith(`/admin/appeals/${appealId}/approve`));
    await card.locator('input[name="note"]').fill("Welcome back — answer within 15 minutes.");
    await card.locator('button[data-action="approve"]').click();
    expect((await posted).status()).toBe(200);
    await page.waitForSelector(`#appeal-${appealId}[data-status="APPROVED"]`);
    await expect(page.locator(`#appeal-${appealId} [data-decided]`).textContent()).resolves.toContain("Approved");
    await expect(page.locator(`#appeal-${appealId} button[data-action="approve"]`).count()).resolves.toBe(0);

    expect(await page.evaluate("window.__marker"), "no page reload: the marker survived").toBe(1);
    expect(loads, "no page load happened").toBe(0);
    expect(await page.evaluate("performance.timeOrigin"), "still the same document").toBe(origin);
    expect(page.url()).toBe(`${e2e.server.url}/admin/appeals`);
    await screenshot(page, "appeals-approved");

    const appeal = await e2e.server.w.prisma.banAppeal.findUniqueOrThrow({ where: { id: appealId } });
    expect(appeal.status).toBe("APPROVED");
    const user = await e2e.server.w.prisma.user.findUniqueOrThrow({ where: { id: quickfix } });
    expect(user).toMatchObject({ is_bidding_banned: false, strike_count: 0 });
    const notice = await e2e.server.w.prisma.outboundMessage.findFirst({
      where: { user_id: quickfix, kind: "appeal_decided" },
    });
    expect(notice).toMatchObject({ channel: "telegram", to_address: "e2e-quickfix" });
    expect(notice?.body.length).toBeGreaterThan(0);
    expect(errors.join("\n"), "no CSP violations or script errors").toBe("");
    await page.close();
  });
});
