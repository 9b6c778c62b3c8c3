import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { argon2Hasher } from "../../admin/panel/passwords.js";
import type { PanelRole } from "../../core/accounts/panel-auth.service.js";
import { seedDemoData } from "../../prisma/seed.js";
import { createTestApp } from "../support/app.js";
import type { TestWorld } from "../support/deps.js";
import { createWorld } from "../support/deps.js";

export const PASSWORD = "correct horse battery staple";

/** A panel user with a known password. */
export async function createPanelUser(
  w: TestWorld,
  role: PanelRole,
  email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.test`,
) {
  return w.prisma.user.create({
    data: { email, name: `${role} person`, role, password_hash: await argon2Hasher.hash(PASSWORD) },
  });
}

/** A browser-like client for `app.inject`: keeps the session cookie and the page's CSRF token. */
export class PanelClient {
  cookie = "";
  csrf = "";

  constructor(private readonly app: FastifyInstance) {}

  async request(opts: InjectOptions & { csrf?: boolean }): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string> | undefined) };
    if (this.cookie) headers.cookie = this.cookie;
    if (opts.csrf !== false && this.csrf && opts.method && opts.method !== "GET") headers["x-csrf-token"] = this.csrf;
    const res = await this.app.inject({ ...opts, headers });
    const raw = res.headers["set-cookie"];
    for (const line of Array.isArray(raw) ? raw : raw ? [raw] : []) {
      const pair = line.split(";")[0] ?? "";
      if (/^(__Host-)?leadrelay=/.test(pair)) this.cookie = pair; // still URL-encoded, as a browser sends it
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    if (token) this.csrf = token;
    return res;
  }

  get(url: string, headers: Record<string, string> = {}) {
    return this.request({ method: "GET", url, headers });
  }

  /** A form post, as a browser without JavaScript sends it (the token in the body). */
  postForm(url: string, form: Record<string, string>, opts: { csrf?: boolean } = {}) {
    const body = new URLSearchParams({ ...form, ...(opts.csrf === false ? {} : { _csrf: this.csrf }) }).toString();
    return this.request({
      method: "POST",
      url,
      payload: body,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      csrf: false,
    });
  }

  /** Sign in through the login form; throws unless it lands on the panel. */
  async login(email: string, password = PASSWORD): Promise<LightMyRequestResponse> {
    await this.get("/admin/login");
    const res = await this.postForm("/admin/login", { email, password });
    if (res.statusCode !== 303) throw new Error(`login failed: ${res.statusCode} ${res.body.slice(0, 300)}`);
    await this.get("/admin");
    return res;
  }
}

/**
 * A fresh world with the clock at `now` (after `seed`, if given, has filled it), the web app on it
 * and a signed-in panel user of `role`: what every panel suite starts from.
 */
export async function signedInPanel(now: Date, role: PanelRole = "admin", seed?: (w: TestWorld) => Promise<unknown>) {
  const w = await createWorld();
  w.clock.set(now);
  if (seed) await seed(w);
  const app = await createTestApp(w);
  const user = await createPanelUser(w, role);
  const client = new PanelClient(app);
  await client.login(user.email ?? "");
  return { w, app, user, client };
}

/** The demo world seeded at `now`, the web app on it and a signed-in panel user of `role`. */
export function seededPanel(now: Date, role: PanelRole = "admin") {
  return signedInPanel(now, role, (w) => seedDemoData(w.prisma, now));
}
