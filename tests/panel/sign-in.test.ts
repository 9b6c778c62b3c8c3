import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { argon2Hasher } from "../../admin/panel/passwords.js";
import { ensureFirstAdmin, setPanelPassword } from "../../core/accounts/panel-auth.service.js";
import { createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { createPanelUser, PASSWORD, PanelClient } from "./support.js";

/** A panel client whose requests come from one socket address (what `req.ip` is without a trusted proxy). */
class ClientAt extends PanelClient {
  constructor(
    app: FastifyInstance,
    readonly address: string,
  ) {
    super(app);
  }
  override request(opts: InjectOptions & { csrf?: boolean }): Promise<LightMyRequestResponse> {
    return super.request({ ...opts, remoteAddress: this.address });
  }
}

/** A sign-in form post with extra headers (e.g. X-Forwarded-For). */
function signIn(c: PanelClient, email: string, password: string, headers: Record<string, string> = {}) {
  return c.request({
    method: "POST",
    url: "/admin/login",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
    payload: new URLSearchParams({ email, password, _csrf: c.csrf }).toString(),
    csrf: false,
  });
}

let w: TestWorld;
let app: FastifyInstance;

beforeAll(async () => {
  w = await createWorld();
  app = await createTestApp(w);
});
afterAll(async () => {
  await app.close();
  await w.close();
});

describe("sign-out and password changes end sessions on the server", () => {
  it("refuses a copied cookie once its owner has signed out", async () => {
    const user = await createPanelUser(w, "admin");
    const owner = new PanelClient(app);
    await owner.login(user.email ?? "");
    const copied = owner.cookie;
    /** The attacker replays the very cookie they copied, whatever the server answered before. */
    const replay = (url: string, headers: Record<string, string> = {}) => {
      const thief = new PanelClient(app);
      thief.cookie = copied;
      return thief.get(url, headers);
    };
    const before = await replay("/admin");
    expect(before.statusCode).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(before.body)?.[1] ?? "";

    const out = await owner.postForm("/admin/logout", {});
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe("/admin/login?why=out");

    const page = await replay("/admin/leads");
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe("/admin/login?why=signin&next=%2Fadmin%2Fleads");
    const htmx = await replay("/admin", { "hx-request": "true" });
    expect(htmx.statusCode).toBe(401);
    expect(htmx.headers["hx-redirect"]).toContain("/admin/login?why=signin");
    const row = await w.prisma.panelSession.findFirstOrThrow({ where: { user_id: user.id } });
    expect(row.revoked_at?.getTime()).toBe(w.clock.now().getTime());
    // a change with the copied cookie and its CSRF token is refused too
    const thief = new PanelClient(app);
    thief.cookie = copied;
    const change = await thief.request({ method: "POST", url: "/admin/logout", headers: { "x-csrf-token": csrf } });
    expect(change.statusCode).toBe(401);
    expect(change.body).toContain('data-code="UNAUTHORIZED"');
    // The sign-out is on record once, with the session's own transaction.
    const audit = await w.prisma.auditLog.findMany({ where: { action: "panel.logout", actor_user_id: user.id } });
    expect(audit).toMatchObject([{ actor_kind: "panel_user", entity_type: "user", entity_id: user.id }]);
  });

  it("revokes every session of a person whose password is changed (CLI admin-password)", async () => {
    const user = await createPanelUser(w, "admin");
    const other = await createPanelUser(w, "admin");
    const laptop = new PanelClient(app);
    const phone = new PanelClient(app);
    const bystander = new PanelClient(app);
    await laptop.login(user.email ?? "");
    await phone.login(user.email ?? "");
    await bystander.login(other.email ?? "");

    const done = await setPanelPassword(w.deps, argon2Hasher, { email: user.email ?? "", password: "a brand new one" });
    expect(done).toBe(true);
    for (const c of [laptop, phone]) {
      const res = await c.get("/admin");
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toContain("/admin/login?why=signin");
    }
    expect((await bystander.get("/admin")).statusCode).toBe(200);
    const fresh = new PanelClient(app);
    await fresh.get("/admin/login");
    expect((await fresh.postForm("/admin/login", { email: user.email ?? "", password: PASSWORD })).statusCode).toBe(
      401,
    );
    await fresh.login(user.email ?? "", "a brand new one");
    expect((await fresh.get("/admin")).statusCode).toBe(200);
  });

  it("revokes the env admin's sessions when ADMIN_PASSWORD changes, not on a plain restart", async () => {
    const email = "env-admin@example.test";
    await ensureFirstAdmin(w.deps, argon2Hasher, { email, password: PASSWORD });
    const c = new PanelClient(app);
    await c.login(email);
    await ensureFirstAdmin(w.deps, argon2Hasher, { email, password: PASSWORD }); // restart, same env
    expect((await c.get("/admin")).statusCode).toBe(200);
    await ensureFirstAdmin(w.deps, argon2Hasher, { email, password: "changed in the env" });
    expect((await c.get("/admin")).statusCode).toBe(303);
  });

  it("stores the session row (address, browser) and touches last_seen_at at most once a minute", async () => {
    const user = await createPanelUser(w, "admin");
    const c = new ClientAt(app, "192.0.2.31");
    await c.get("/admin/login");
    const res = await c.request({
      method: "POST",
      url: "/admin/login",
      headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": "TestBrowser/1.0" },
      payload: new URLSearchParams({ email: user.email ?? "", password: PASSWORD, _csrf: c.csrf }).toString(),
      csrf: false,
    });
    expect(res.statusCode).toBe(303);
    const signedInAt = w.clock.now();
    const row = await w.prisma.panelSession.findFirstOrThrow({ where: { user_id: user.id } });
    expect(row).toMatchObject({ ip: "192.0.2.31", user_agent: "TestBrowser/1.0", revoked_at: null });
    expect(row.expires_at.getTime() - row.created_at.getTime()).toBe(8 * 60 * 60_000);
    w.clock.advance(30_000);
    expect((await c.get("/admin")).statusCode).toBe(200);
    const same = await w.prisma.panelSession.findUniqueOrThrow({ where: { id: row.id } });
    expect(same.last_seen_at.getTime()).toBe(signedInAt.getTime());
    w.clock.advance(31_000);
    expect((await c.get("/admin")).statusCode).toBe(200);
    const touched = await w.prisma.panelSession.findUniqueOrThrow({ where: { id: row.id } });
    expect(touched.last_seen_at.getTime()).toBe(w.clock.now().getTime());
  });
});

describe("growing delays instead of a lock-out", () => {
  it("doubles the wait after the 5th failure from one client, up to 15 minutes, with Retry-After", async () => {
    const user = await createPanelUser(w, "admin");
    const c = new ClientAt(app, "192.0.2.41");
    await c.get("/admin/login");
    for (let i = 0; i < 5; i++) expect((await signIn(c, user.email ?? "", `wrong-${i}`)).statusCode).toBe(401);
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const held = await signIn(c, user.email ?? "", PASSWORD); // even the right password waits its turn
      expect(held.statusCode).toBe(429);
      expect(held.body).toContain('data-code="LOGIN_THROTTLED"');
      const wait = Number(held.headers["retry-after"]);
      waits.push(wait);
      w.clock.advance(wait * 1000 - 1);
      expect((await signIn(c, user.email ?? "", "wrong")).statusCode).toBe(429);
      w.clock.advance(1);
      expect((await signIn(c, user.email ?? "", "wrong")).statusCode).toBe(401);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
    w.clock.advance(900_000);
    expect((await signIn(c, user.email ?? "", PASSWORD)).statusCode).toBe(303);
  });

  it("lets no parallel burst slip past the delay", async () => {
    const user = await createPanelUser(w, "admin");
    const c = new ClientAt(app, "192.0.2.42");
    await c.get("/admin/login");
    const tries = await Promise.all(Array.from({ length: 15 }, (_, i) => signIn(c, user.email ?? "", `burst-${i}`)));
    const codes = tries.map((r) => r.statusCode).sort();
    expect(codes.filter((s) => s === 401)).toHaveLength(5);
    expect(codes.filter((s) => s === 429)).toHaveLength(10);
  });

  it("slows distributed guessing on one account for new addresses only, and never for long", async () => {
    const user = await createPanelUser(w, "admin");
    const email = user.email ?? "";
    const home = new ClientAt(app, "192.0.2.50");
    await home.login(email); // the user's own place
    await home.postForm("/admin/logout", {});
    w.clock.advance(60_000);
    const now = w.clock.now();
    await w.prisma.loginFailure.createMany({
      data: Array.from({ length: 100 }, (_, i) => ({ email, ip: `198.18.${i >> 8}.${i & 255}`, created_at: now })),
    });
    const stranger = new ClientAt(app, "192.0.2.51");
    await stranger.get("/admin/login");
    const slowed = await signIn(stranger, email, PASSWORD);
    expect(slowed.statusCode).toBe(429);
    expect(Number(slowed.headers["retry-after"])).toBe(1);
    await home.get("/admin/login");
    expect((await signIn(home, email, PASSWORD)).statusCode).toBe(303);
    w.clock.advance(1_000);
    expect((await signIn(stranger, email, PASSWORD)).statusCode).toBe(303);
  });
});

describe("client addresses and X-Forwarded-For", () => {
  it("ignores X-Forwarded-For without TRUST_PROXY: throttle and recorded addresses use the socket", async () => {
    const user = await createPanelUser(w, "admin");
    const c = new ClientAt(app, "192.0.2.60");
    await c.get("/admin/login");
    for (let i = 0; i < 20; i++) {
      const res = await signIn(c, `spray${i}@example.test`, "x", { "x-forwarded-for": `203.0.113.${i + 1}` });
      expect(res.statusCode).toBe(401);
    }
    const spoofed = await signIn(c, "spray-last@example.test", "x", { "x-forwarded-for": "203.0.113.200" });
    expect(spoofed.statusCode).toBe(429);
    const rows = await w.prisma.loginFailure.findMany({ where: { email: { startsWith: "spray" } } });
    expect(rows).toHaveLength(20);
    expect(new Set(rows.map((r) => r.ip))).toEqual(new Set(["192.0.2.60"]));

    const u = new ClientAt(app, "192.0.2.61");
    await u.get("/admin/login");
    expect((await signIn(u, user.email ?? "", PASSWORD, { "x-forwarded-for": "10.6.6.6" })).statusCode).toBe(303);
    const audit = await w.prisma.auditLog.findFirstOrThrow({ where: { actor_user_id: user.id } });
    expect(audit.ip).toBe("192.0.2.61");
    const session = await w.prisma.panelSession.findFirstOrThrow({ where: { user_id: user.id } });
    expect(session.ip).toBe("192.0.2.61");
  });

  it("takes the client address from X-Forwarded-For only when the proxy is in TRUST_PROXY", async () => {
    const pw = await createWorld({ TRUST_PROXY: "127.0.0.1" });
    const papp = await createTestApp(pw);
    try {
      const user = await createPanelUser(pw, "admin");
      const proxy = new PanelClient(papp); // inject's default socket address is 127.0.0.1
      await proxy.get("/admin/login");
      for (let i = 0; i < 21; i++) {
        const res = await signIn(proxy, `spray${i}@example.test`, "x", { "x-forwarded-for": `203.0.113.${i + 1}` });
        expect(res.statusCode).toBe(401); // 21 different clients behind the proxy: none is throttled
      }
      const row = await pw.prisma.loginFailure.findFirstOrThrow({ where: { email: "spray3@example.test" } });
      expect(row.ip).toBe("203.0.113.4");

      const outsider = new ClientAt(papp, "192.0.2.70"); // not the proxy: its header is not believed
      await outsider.get("/admin/login");
      await signIn(outsider, "outsider@example.test", "x", { "x-forwarded-for": "203.0.113.99" });
      const forged = await pw.prisma.loginFailure.findFirstOrThrow({ where: { email: "outsider@example.test" } });
      expect(forged.ip).toBe("192.0.2.70");

      expect((await signIn(proxy, user.email ?? "", PASSWORD, { "x-forwarded-for": "198.51.100.9" })).statusCode).toBe(
        303,
      );
      const audit = await pw.prisma.auditLog.findFirstOrThrow({ where: { actor_user_id: user.id } });
      expect(audit.ip).toBe("198.51.100.9");
    } finally {
      await papp.close();
      await pw.close();
    }
  });
});
