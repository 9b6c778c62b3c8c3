/**
 * Hostile input against every panel POST route (issue 11, "Done when"), signed in as an admin
 * with a valid CSRF token, as URL-encoded forms (what browsers send) and as JSON (which the panel
 * also parses). Generated from the route table. No answer is a 5xx and a refusal writes nothing.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPanelUser, PanelClient } from "../panel/support.js";
import { closeTestApp, createTestApp } from "../support/app.js";
import type { TestWorld } from "../support/deps.js";
import {
  asForm,
  bodyCases,
  type Case,
  fieldCases,
  fillPath,
  fuzzWorld,
  hashOf,
  mutatingRoutes,
  PANEL_FIELDS,
  pathSweepCases,
  type Route,
  SEED,
  sample,
  sweep,
} from "./fuzz-support.js";

let w: TestWorld;
let app: FastifyInstance;
let ids: Record<string, string>;
let fingerprint: () => Promise<string>;
let email: string;

beforeAll(async () => {
  ({ w, ids, fingerprint } = await fuzzWorld());
  app = await createTestApp(w, { sandbox: true });
  email = (await createPanelUser(w, "admin")).email ?? "";
});
afterAll(() => closeTestApp(app, w));

const FIELDS = PANEL_FIELDS.map((name) => ({ name, type: "string" }));

/** Each route gets its own client address, so the panel's per-address limit never answers for the fuzz. */
let address = 0;
const nextAddress = () => `10.9.${(++address >> 8) & 255}.${address & 255}`;

function casesFor(r: Route): Array<Case & { url: string }> {
  const url = fillPath(r.url, ids);
  const seed = SEED ^ hashOf(`panel ${r.method} ${r.url}`);
  const fields = sample(fieldCases(`panel ${r.url}`, FIELDS, ids), 8, seed);
  return [
    ...sample(bodyCases(), 3, seed + 1).map((c) => ({ ...c, url })),
    ...fields.slice(0, 4).map((c) => ({ ...c, url })),
    ...fields.slice(4).map((c) => ({ ...asForm(c), url })),
    ...sample(pathSweepCases(r.url, ids, "_x=1", "application/x-www-form-urlencoded"), 1, seed + 2),
  ];
}

describe("fuzz: every panel POST route, signed in with a CSRF token", () => {
  it("no 5xx and nothing written on a refusal", async () => {
    const client = new PanelClient(app);
    await client.login(email);
    const routes = mutatingRoutes(
      app,
      (r) => r.url.startsWith("/admin/") && r.url !== "/admin/logout" && r.url !== "/admin/login",
    );
    expect(routes.length).toBeGreaterThan(25);
    const sent = await sweep({
      label: "panel",
      routes,
      fingerprint,
      casesFor,
      send: async (r, url, c) => {
        const res = await client.request({
          method: r.method as "POST",
          url,
          remoteAddress: nextAddress(),
          headers: c.contentType ? { "content-type": c.contentType } : {},
          ...(c.payload !== undefined ? { payload: c.payload } : {}),
        });
        // Still signed in (a refusal must not end the session), so every case reaches its route.
        expect(res.headers.location ?? "", `${r.url} [${c.name}] signed us out`).not.toMatch(/\/admin\/login/);
        return res;
      },
    });
    expect(sent).toBeGreaterThan(250);
  }, 120_000);

  it("the sign-in form refuses hostile input with a 4xx, never a 5xx", async () => {
    const anonymous = new PanelClient(app);
    await anonymous.get("/admin/login");
    const fields = [
      { name: "email", type: "string" },
      { name: "password", type: "string" },
    ];
    for (const c of fieldCases("login", fields, ids)) {
      for (const variant of [c, asForm(c)]) {
        const res = await anonymous.request({
          method: "POST",
          url: "/admin/login",
          remoteAddress: nextAddress(),
          headers: { "content-type": variant.contentType ?? "application/json" },
          payload: variant.payload,
        });
        expect(res.statusCode, `login [${variant.name}] ${res.body.slice(0, 200)}`).toBeLessThan(500);
      }
    }
  });
});
