import { describe, expect, it } from "vitest";
import { userId } from "../../prisma/seed/people.js";
import { ADMIN, screenshot, signIn, useBrowserPanel } from "./support.js";

const e2e = useBrowserPanel();

describe("the panel in a real browser", { retry: 2 }, () => {
  it("refuses a wrong password, then signs in and shows the dashboard", async () => {
    const page = await e2e.browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
    });
    page.on("response", (r) => {
      // The wrong password's 401 is the page itself; anything else failing is a bug.
      if (r.status() >= 400 && !(r.status() === 401 && r.url().endsWith("/admin/login"))) {
        errors.push(`${r.status()} ${r.url()}`);
      }
    });
    await page.goto(`${e2e.server.url}/admin`);
    expect(page.url()).toContain("/admin/login");
    await page.fill('input[name="email"]', ADMIN.email);
    await page.fill('input[name="password"]', "not the password");
    await page.click('button[type="submit"]');
    await expect(page.locator('[data-code="LOGIN_FAILED"]').textContent()).resolves.toContain(
      "Wrong e-mail or password",
    );
    await signIn(page, e2e.server.url);
    await page.waitForSelector("header.top nav a[aria-current='page']");
    await screenshot(page, "login-dashboard");
    expect(errors.join("\n"), "no CSP violations or script errors").toBe("");
    await page.close();
  });

  it("chats with the bot in the sandbox as a contractor: /help answers with buttons, a button works", async () => {
    const page = await e2e.browser.newPage();
    await signIn(page, e2e.server.url);
    const as = `contractor:${userId("breeze")}`;
    await page.goto(`${e2e.server.url}/admin/sandbox?as=${encodeURIComponent(as)}`);
    const before = await page.locator("#chat-log .msg.bot").count();
    await page.evaluate(() => {
      (window as unknown as { __marker: number }).__marker = 1;
    });
    await page.fill('#chat-form input[name="text"]', "/help");
    await page.click('#chat-form button[type="submit"]');
    await page.waitForFunction((n) => document.querySelectorAll("#chat-log .msg.bot").length > n, before);
    await expect(page.locator("#chat-log .msg.me").last().textContent()).resolves.toContain("/help");
    expect(await page.inputValue('#chat-form input[name="text"]')).toBe("");
    const marker = await page.evaluate(() => (window as unknown as { __marker?: number }).__marker);
    expect(marker, "the message was sent without a page reload").toBe(1);
    const buttons = page.locator("#chat-log .msg.bot").last().locator(".buttons button");
    expect(await buttons.count()).toBeGreaterThan(0);
    const count = await page.locator("#chat-log .msg").count();
    await buttons.first().click();
    await page.waitForFunction((n) => document.querySelectorAll("#chat-log .msg").length > n, count);
    await screenshot(page, "sandbox-chat");
    const inbound = await e2e.server.w.prisma.inboundMessage.count({ where: { channel: "sandbox" } });
    expect(inbound).toBeGreaterThanOrEqual(2);
    await page.close();
  });
});
