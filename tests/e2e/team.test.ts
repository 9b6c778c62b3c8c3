import { describe, expect, it } from "vitest";
import { pageErrors, screenshot, signIn, useBrowserPanel } from "./support.js";

const e2e = useBrowserPanel();

describe("a sales manager's team in a real browser", { retry: 2 }, () => {
  it("an admin adds a sales manager and their team; signed in, the manager sees only the team's customers", async () => {
    const { prisma } = e2e.server.w;
    const base = e2e.server.url;
    // The demo contractor with the most customers moves from the demo manager's team to a new one.
    const [member] = await prisma.user.findMany({
      where: { role: "contractor", customers: { some: {} } },
      orderBy: { customers: { _count: "desc" } },
      take: 1,
    });
    if (!member) throw new Error("the demo has no contractor with customers");
    const theirs = await prisma.customer.findMany({ where: { owner_id: member.id }, select: { name: true } });
    const others = await prisma.customer.findMany({ where: { owner_id: { not: member.id } }, take: 50 });
    const outsider = others.find((o) => !theirs.some((c) => c.name.toLowerCase().includes(o.name.toLowerCase())));
    if (!outsider) throw new Error("no customer of another owner to look for");

    const page = await e2e.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = pageErrors(page);
    await signIn(page, base);
    await page.click('header nav a:has-text("Users")');
    await page.waitForURL(`${base}/admin/users`);
    const add = page.locator('form[action="/admin/users"]');
    await add.locator('input[name="email"]').fill("sam.manager@e2e.test");
    await add.locator('input[name="name"]').fill("Sam Manager");
    await add.locator('select[name="role"]').selectOption("sales_manager");
    await add.locator('input[name="password"]').fill("sam-manager-password-1");
    await add.locator('button[type="submit"]').click();
    await page.waitForSelector('p.notice:has-text("sam.manager@e2e.test was added as sales manager")');

    const newTeam = page.locator('form[action="/admin/teams"]');
    await newTeam.locator('input[name="name"]').fill("Scottsdale team");
    await newTeam.locator('select[name="manager_id"]').selectOption({ label: "Sam Manager (sam.manager@e2e.test)" });
    await newTeam.locator('button[type="submit"]').click();
    await page.waitForSelector('p.notice:has-text("Scottsdale team")');
    if (member.team_id) {
      const old = page.locator(
        `article[data-team="${member.team_id}"] li:has-text("${member.company_name ?? member.name}")`,
      );
      await old.locator('button:has-text("Remove")').click();
      await page.waitForSelector('p.notice:has-text("members")');
    }
    const card = page.locator('article[data-team]:has(input[value="Scottsdale team"])');
    await card.locator('select[name="user_id"]').selectOption(member.id);
    await card.locator('button:has-text("Add member")').click();
    await page.waitForSelector('p.notice:has-text("has 1 member.")');
    await screenshot(page, "users-and-teams");
    await page.click('button:has-text("Sign out")');
    await page.waitForURL(/\/admin\/login/);

    await signIn(page, base, { email: "sam.manager@e2e.test", password: "sam-manager-password-1" });
    await expect(page.locator("header nav").textContent()).resolves.not.toContain("Users");
    await page.goto(`${base}/admin/customers`);
    const names = await page.locator("#customer-results tbody tr td:first-child a").allTextContents();
    expect(names.length).toBeGreaterThan(0);
    const allowed = new Set(theirs.map((c) => c.name));
    expect(names.map((n) => n.trim()).filter((n) => !allowed.has(n))).toEqual([]);
    // Another owner's customer is not found, and their card is a 404.
    await page.goto(`${base}/admin/customers?q=${encodeURIComponent(outsider.name)}`);
    expect(await page.locator("#customer-results tbody tr").count()).toBe(0);
    const card404 = await page.goto(`${base}/admin/customers/${outsider.id}`);
    expect(card404?.status()).toBe(404);
    await screenshot(page, "sales-manager-customers");
    expect(errors.filter((e) => !e.includes("404"))).toEqual([]);
  });
});
