import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { createPanelUser, PASSWORD, PanelClient } from "./support.js";

let w: TestWorld;
let app: FastifyInstance;
let adminEmail: string;
let readOnlyEmail: string;

beforeAll(async () => {
  w = await createWorld();
  app = await createTestApp(w);
  adminEmail = (await createPanelUser(w, "admin")).email ?? "";
  readOnlyEmail = (await createPanelUser(w, "read_only")).email ?? "";
});
afterAll(async () => {
  await app.close();
  await w.close();
});

/** Every mutation route the panel has, with the path filled in (ids need not exist: CSRF comes first). */
function panelMutations(): Array<{ method: string; url: string }> {
  const id = "00000000-0000-4000-8000-000000000000";
  return app.routeList
    .filter((r) => r.url.startsWith("/admin") && ["POST", "PUT", "PATCH", "DELETE"].includes(r.method))
    .map((r) => ({ method: r.method, url: r.url.replace(/:[a-zA-Z_]+/g, id) }));
}

/** A sign-in form post from one client address (the socket's: no proxy is trusted by default). */
function postFrom(c: PanelClient, remoteAddress: string, form: Record<string, string>) {
  return c.request({
    method: "POST",
    url: "/admin/login",
    remoteAddress,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ ...form, _csrf: c.csrf }).toString(),
    csrf: false,
  });
}

describe("panel sign-in and session", () => {
  it("sends a visitor without a session to the sign-in page, and back after signing in", async () => {
    const c = new PanelClient(app);
    const page = await c.get("/admin/leads");
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe("/admin/login?why=signin&next=%2Fadmin%2Fleads");
    await c.get("/admin/login");
    const res = await c.postForm("/admin/login", { email: adminEmail, password: PASSWORD, next: "/admin/leads" });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/admin/leads");
  });

  it("never follows a sign-in `next` off the panel", async () => {
    const c = new PanelClient(app);
    await c.get("/admin/login");
    const res = await c.postForm("/admin/login", { email: adminEmail, password: PASSWORD, next: "https://evil.test/" });
    expect(res.headers.location).toBe("/admin");
  });

  it("sets the session cookie HttpOnly, SameSite=Lax, Path=/ (and __Host- + Secure behind TLS)", async () => {
    const c = new PanelClient(app);
    await c.get("/admin/login");
    const res = await c.postForm("/admin/login", { email: adminEmail, password: PASSWORD });
    const cookie = res.cookies.find((k) => k.name === "leadrelay");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
    expect(cookie?.secure).toBeFalsy();

    const tls = await createWorld({ PUBLIC_URL: "https://leads.example.test" });
    const tlsApp = await createTestApp(tls);
    try {
      const user = await createPanelUser(tls, "admin");
      const t = new PanelClient(tlsApp);
      await t.get("/admin/login");
      const r = await t.postForm("/admin/login", { email: user.email ?? "", password: PASSWORD });
      expect(r.statusCode).toBe(303);
      const secure = r.cookies.find((k) => k.name === "__Host-leadrelay");
      expect(secure).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax", path: "/" });
      expect(secure?.domain).toBeUndefined();
      expect(r.headers["strict-transport-security"]).toBeDefined();
    } finally {
      await tlsApp.close();
      await tls.close();
    }
  });

  it("ends a session idle for 30 minutes, and any session after 8 hours", async () => {
    const c = new PanelClient(app);
    await c.login(adminEmail);
    w.clock.advance(29 * 60_000);
    expect((await c.get("/admin")).statusCode).toBe(200);
    w.clock.advance(31 * 60_000);
    const idle = await c.get("/admin");
    expect(idle.statusCode).toBe(303);
    expect(idle.headers.location).toContain("why=expired");

    await c.login(adminEmail);
    for (let i = 0; i < 16; i++) {
      w.clock.advance(29 * 60_000); // active all day, never idle for 30 minutes
      expect((await c.get("/admin")).statusCode).toBe(200);
    }
    w.clock.advance(20 * 60_000); // 8 h 04 min after signing in
    const absolute = await c.get("/admin", { "hx-request": "true" });
    expect(absolute.statusCode).toBe(401);
    expect(absolute.headers["hx-redirect"]).toContain("why=expired");
  });

  it("slows an attacker guessing a password, while the real user still signs in", async () => {
    const victim = await createPanelUser(w, "admin");
    const email = victim.email ?? "";
    const attacker = new PanelClient(app);
    await attacker.get("/admin/login");
    const answers: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await postFrom(attacker, "203.0.113.10", { email, password: `wrong-${i}` });
      answers.push(res.statusCode);
      if (res.statusCode === 401) expect(res.body).toContain('data-code="LOGIN_FAILED"');
      if (res.statusCode === 429) {
        expect(res.body).toContain('data-code="LOGIN_THROTTLED"');
        expect(res.headers["retry-after"]).toBe("1");
      }
    }
    expect(answers).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429]); // slowed after 5
    // the real user, from their own client, is not locked out
    const user = new PanelClient(app);
    await user.get("/admin/login");
    expect((await postFrom(user, "198.51.100.20", { email, password: PASSWORD })).statusCode).toBe(303);
    // and from the attacker's address (a shared office), once the short delay has passed
    w.clock.advance(1_000);
    expect((await postFrom(attacker, "203.0.113.10", { email, password: PASSWORD })).statusCode).toBe(303);
  });

  it("slows one address spraying many accounts, not the others", async () => {
    const c = new PanelClient(app);
    await c.get("/admin/login");
    for (let i = 0; i < 20; i++) {
      const res = await postFrom(c, "203.0.113.77", { email: `nobody${i}@example.test`, password: "x" });
      expect(res.statusCode).toBe(401);
    }
    const sprayer = await postFrom(c, "203.0.113.77", { email: adminEmail, password: PASSWORD });
    expect(sprayer.statusCode).toBe(429);
    expect(Number(sprayer.headers["retry-after"])).toBeGreaterThan(0);
    const elsewhere = new PanelClient(app);
    await elsewhere.get("/admin/login");
    expect((await postFrom(elsewhere, "203.0.113.78", { email: adminEmail, password: PASSWORD })).statusCode).toBe(303);
  });

  it("sends security headers with a CSP that allows only the panel's own scripts", async () => {
    const res = await new PanelClient(app).get("/admin/login");
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });
});

describe("CSRF and roles", () => {
  it("refuses every panel POST/PUT/DELETE without the CSRF token with 403", async () => {
    const c = new PanelClient(app);
    await c.login(adminEmail);
    const routes = panelMutations();
    expect(routes.length).toBeGreaterThanOrEqual(2);
    for (const r of routes) {
      const res = await c.request({ method: r.method as "POST", url: r.url, csrf: false, payload: {} });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
    }
    // and with a token from another session
    const other = new PanelClient(app);
    await other.login(adminEmail);
    const stolen = await c.request({
      method: "POST",
      url: "/admin/logout",
      headers: { "x-csrf-token": other.csrf },
      csrf: false,
    });
    expect(stolen.statusCode).toBe(403);
    expect(stolen.body).toContain('data-code="CSRF_INVALID"');
  });

  it("lets a read-only person look but not change anything", async () => {
    const c = new PanelClient(app);
    await c.login(readOnlyEmail);
    expect((await c.get("/admin")).statusCode).toBe(200);
    const mutations = panelMutations().filter((r) => !/\/(login|logout)$/.test(r.url));
    for (const r of mutations) {
      const res = await c.request({ method: r.method as "POST", url: r.url, payload: {} });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
    }
    const out = await c.postForm("/admin/logout", {});
    expect(out.statusCode, out.body.slice(-400)).toBe(303);
  });
});
