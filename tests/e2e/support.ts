import { mkdirSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { buildApp } from "../../admin/app.js";
import { argon2Hasher } from "../../admin/panel/passwords.js";
import { createChatRuntime } from "../../bot/runtime.js";
import { sandboxPort } from "../../bot/sandbox/session.js";
import { seedDemoData } from "../../prisma/seed.js";
import { createWorld, type TestWorld } from "../support/deps.js";

export const SCREENSHOTS = path.resolve("tests/e2e/screenshots");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ADMIN = { email: "admin@leadrelay.local", password: "e2e-admin-password-1" };

/** The whole web app on a seeded demo world, listening on loopback, with the sandbox wired in. */
export interface PanelServer {
  url: string;
  w: TestWorld;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Start the panel on a fresh, seeded database (fake clock at `now`), the admin's password set. */
export async function startPanel(now = new Date("2026-11-18T17:00:00Z")): Promise<PanelServer> {
  const w = await createWorld();
  w.clock.set(now);
  await seedDemoData(w.prisma, now);
  await w.prisma.user.update({
    where: { email: ADMIN.email },
    data: { password_hash: await argon2Hasher.hash(ADMIN.password) },
  });
  const rt = createChatRuntime(w.deps);
  const app = await buildApp({
    ...w.deps,
    version: "e2e",
    dbMode: "embedded",
    queueMode: "embedded",
    checkReady: async () => {},
    sandbox: sandboxPort(w.deps, rt.chat),
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    url,
    w,
    app,
    close: async () => {
      await app.close();
      await w.close();
    },
  };
}

/** Debian's Chromium, headless, no network beyond loopback. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** Sign in through the form, as a person would. */
export async function signIn(page: Page, base: string, user = ADMIN): Promise<void> {
  await page.goto(`${base}/admin/login`);
  await page.fill('input[name="email"]', user.email);
  await page.fill('input[name="password"]', user.password);
  await Promise.all([page.waitForURL(`${base}/admin`), page.click('button[type="submit"]')]);
}

/** Save a screenshot under tests/e2e/screenshots/ (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * One seeded panel server and one Chromium for a test file: started before its tests, closed
 * after. Read `e2e.server` / `e2e.browser` inside tests.
 */
export function useBrowserPanel(): { readonly server: PanelServer; readonly browser: Browser } {
  const ctx = {} as { server: PanelServer; browser: Browser };
  beforeAll(async () => {
    ctx.server = await startPanel();
    ctx.browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await ctx.browser?.close();
    await ctx.server?.close();
  });
  return ctx;
}

/**
 * Collect a page's script errors and console errors (CSP violations show up there): a test ends
 * with `expect(errors).toEqual([])`. `ignore` drops expected ones (e.g. a deliberate 422).
 */
export function pageErrors(page: Page, ignore: (text: string) => boolean = () => false): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && !ignore(m.text())) errors.push(m.text());
  });
  return errors;
}
