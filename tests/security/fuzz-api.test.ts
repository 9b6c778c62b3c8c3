/**
 * Hostile input against every mutating /api route (issue 11, "Done when"): generated from the
 * route table, once with an admin key and once with a contractor key, path ids taken from the
 * seeded demo world. No answer is a 5xx, every error is `{"error":{code,message,details}}`, and
 * a refusal writes nothing.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKey, closeTestApp, createTestApp } from "../support/app.js";
import type { TestWorld } from "../support/deps.js";
import {
  bodyCases,
  bodyFields,
  fieldCases,
  fillPath,
  fuzzWorld,
  hashOf,
  injectCase,
  mutatingRoutes,
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

beforeAll(async () => {
  ({ w, ids, fingerprint } = await fuzzWorld());
  app = await createTestApp(w);
});
afterAll(() => closeTestApp(app, w));

const isApi = (r: Route) => r.url.startsWith("/api/") && !r.url.startsWith("/api/hooks/");

async function fuzzWith(headers: { authorization: string }, label: string) {
  const fields = bodyFields(app);
  const routes = mutatingRoutes(app, isApi);
  expect(routes.length).toBeGreaterThan(40);
  return sweep({
    label,
    routes,
    fingerprint,
    casesFor: (r) => {
      const url = fillPath(r.url, ids);
      const seed = SEED ^ hashOf(`${label} ${r.method} ${r.url}`);
      const fieldList = fields.get(`${r.method} ${r.url}`) ?? [];
      return [
        ...sample(bodyCases(), 3, seed).map((c) => ({ ...c, url })),
        ...sample(fieldCases(`${label} ${r.method} ${r.url}`, fieldList, ids), 5, seed + 1).map((c) => ({ ...c, url })),
        ...sample(pathSweepCases(r.url, ids), 1, seed + 2),
      ];
    },
    send: (r, url, c) => injectCase(app, r, url, c, headers),
  });
}

describe("fuzz: every mutating API route", () => {
  it("with a contractor key: no 5xx, the error shape, nothing written on a refusal", async () => {
    const owned = (await w.prisma.customer.findMany({ take: 50 })).find((c) => c.owner_id);
    const sent = await fuzzWith(await apiKey(w, owned?.owner_id as string), "contractor");
    expect(sent).toBeGreaterThan(400);
  }, 120_000);

  it("with an admin key: no 5xx, the error shape, nothing written on a refusal", async () => {
    const sent = await fuzzWith(await apiKey(w), "admin");
    expect(sent).toBeGreaterThan(400);
  }, 120_000);

  it("without a key every route answers 401 before reading a hostile body", async () => {
    for (const r of mutatingRoutes(app, isApi)) {
      const res = await app.inject({
        method: r.method as "POST",
        url: fillPath(r.url, ids),
        headers: { "content-type": "application/json" },
        payload: '{"name":"\\u0000","x":[[[[[[]]]]]]}',
      });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
      expect(res.json().error.code).toBe("UNAUTHORIZED");
    }
  });
});
