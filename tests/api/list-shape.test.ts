import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clampPage, pageOf, pageWindow } from "../../core/paging.js";
import { apiKey, createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import {
  FACTORY_NOW,
  makeCategory,
  makeContractor,
  makeCustomer,
  makeEvent,
  makeInteraction,
  makeReminder,
  makeSegment,
  makeSequenceTemplate,
} from "../support/factories.js";

/** GET routes under /api that answer something other than 200 without a query (and why). */
const NEEDS_QUERY = new Set(["/api/kpi/dmo"]); // an admin key must name user_id
/** Keys under which a list answer would put its rows. */
const ROW_KEYS = ["data", "items", "results", "rows"];

type OpenApi = {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ name: string; in: string }>;
        responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
      }
    >
  >;
};
type JsonSchema = { properties?: Record<string, unknown>; anyOf?: JsonSchema[]; oneOf?: JsonSchema[] };

/** True when a JSON schema (or one branch of it) is the list shape. */
function isListSchema(s: JsonSchema | undefined): boolean {
  if (!s) return false;
  const props = Object.keys(s.properties ?? {});
  if (["data", "total", "page", "per_page"].every((k) => props.includes(k))) return true;
  return [...(s.anyOf ?? []), ...(s.oneOf ?? [])].some(isListSchema);
}

describe("paging maths (core/paging.ts)", () => {
  it("turns a page into skip/take, clamps to 1–200 rows and slices in memory the same way", () => {
    expect(pageWindow({ page: 3, per_page: 20 })).toEqual({ skip: 40, take: 20 });
    expect(clampPage({ page: 0, per_page: 0 })).toEqual({ page: 1, per_page: 1 });
    expect(clampPage({ per_page: 5000 })).toEqual({ page: 1, per_page: 200 });
    expect(clampPage()).toEqual({ page: 1, per_page: 50 });
    expect(pageOf([1, 2, 3, 4, 5], { page: 2, per_page: 2 })).toEqual({ data: [3, 4], total: 5, page: 2, per_page: 2 });
    expect(pageOf([1, 2], { page: 9, per_page: 2 })).toEqual({ data: [], total: 2, page: 9, per_page: 2 });
  });
});

describe("the API's route helpers live in one module (admin/api/route-kit.ts)", () => {
  it("no other API route file defines its own reply, idParam or page query", () => {
    const root = path.resolve(import.meta.dirname, "../../admin/api");
    const files = readdirSync(root, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    const copies = files
      .filter((f) => f !== "route-kit.ts")
      .filter((f) =>
        /function reply\b|const idParam\s*=|per_page:\s*z\.coerce/.test(readFileSync(path.join(root, f), "utf8")),
      );
    expect(files.length).toBeGreaterThan(8);
    expect(copies).toEqual([]);
  });
});

describe("every /api list answers one shape: { data, total, page, per_page }", () => {
  let w: TestWorld;
  let app: FastifyInstance;
  let admin: { authorization: string };
  const listRoutes: string[] = [];

  beforeAll(async () => {
    w = await createWorld();
    w.clock.set(FACTORY_NOW);
    app = await createTestApp(w);
    admin = await apiKey(w);
    // Two rows in every list the seedless database can fill, so page 2 of 1 has a row.
    await makeCategory(w.prisma, { slug: "hvac-x", display_name: "HVAC X" });
    const owner = await makeContractor(w.prisma);
    await makeContractor(w.prisma);
    for (const name of ["Anna", "Bo"]) {
      const c = await makeCustomer(w.prisma, { owner_id: owner.id, name });
      await makeEvent(w.prisma, {
        owner_id: owner.id,
        customer_id: c.id,
        timestamp: new Date(FACTORY_NOW.getTime() - 60_000),
      });
      await makeReminder(w.prisma, {
        owner_id: owner.id,
        customer_id: c.id,
        scheduled_for: new Date(FACTORY_NOW.getTime() - 60_000),
      });
      await makeInteraction(w.prisma, {
        owner_id: owner.id,
        customer_id: c.id,
        scheduled_for: new Date(FACTORY_NOW.getTime() + 3_600_000),
        completed: false,
      });
      await makeSegment(w.prisma, { owner_id: owner.id, name: `seg ${name}` });
      await makeSequenceTemplate(w.prisma, { name: `tpl ${name}` });
    }
  });
  afterAll(async () => {
    await app?.close();
    await w?.close();
  });

  it("sweeps app.routeList: each GET /api route without a path parameter answers 200, and each list among them has the shape", async () => {
    const gets = [
      ...new Set(
        app.routeList
          .filter((r) => r.method === "GET" && r.url.startsWith("/api/") && !r.url.includes(":"))
          .filter(
            (r) => !r.url.startsWith("/api/docs") && r.url !== "/api/openapi.json" && !r.url.startsWith("/api/hooks"),
          )
          .map((r) => r.url),
      ),
    ];
    expect(gets.length).toBeGreaterThan(15);
    const wrong: string[] = [];
    for (const url of gets) {
      const res = await app.inject({ url, headers: admin });
      if (NEEDS_QUERY.has(url)) continue;
      if (res.statusCode === 404 && url.startsWith("/api/sandbox")) continue; // the sandbox is off here
      if (res.statusCode !== 200) {
        wrong.push(`${url}: ${res.statusCode}`);
        continue;
      }
      const body = res.json();
      const isList = Array.isArray(body) || ROW_KEYS.some((k) => Array.isArray(body?.[k]));
      if (!isList) continue;
      listRoutes.push(url);
      if (Array.isArray(body) || !Array.isArray(body.data)) wrong.push(`${url}: rows not under data`);
      else if (body.page !== 1 || body.per_page !== 50 || typeof body.total !== "number")
        wrong.push(`${url}: ${JSON.stringify({ total: body.total, page: body.page, per_page: body.per_page })}`);
      else if (body.data.length > body.total) wrong.push(`${url}: more rows than total`);
    }
    expect(wrong).toEqual([]);
    // The lists the issue names are among them (so the sweep itself cannot silently find none).
    for (const url of [
      "/api/categories",
      "/api/leads",
      "/api/customers",
      "/api/kpi/ticker",
      "/api/nba",
      "/api/segments",
    ])
      expect(listRoutes).toContain(url);
  });

  it("per_page 0 or 201 is a 400 VALIDATION_FAILED on every list; page 2 of per_page 1 is the second row", async () => {
    expect(listRoutes.length).toBeGreaterThan(10);
    for (const url of listRoutes) {
      for (const q of ["per_page=0", "per_page=201", "page=0"]) {
        const res = await app.inject({ url: `${url}?${q}`, headers: admin });
        expect(res.statusCode, `${url}?${q}`).toBe(400);
        expect(res.json().error.code, `${url}?${q}`).toBe("VALIDATION_FAILED");
      }
      const all = (await app.inject({ url: `${url}?per_page=200`, headers: admin })).json();
      const second = (await app.inject({ url: `${url}?page=2&per_page=1`, headers: admin })).json();
      expect({ url, page: second.page, per_page: second.per_page, total: second.total }).toEqual({
        url,
        page: 2,
        per_page: 1,
        total: all.total,
      });
      expect(second.data, url).toEqual(all.total >= 2 ? [all.data[1]] : []);
    }
  });

  it("the OpenAPI document gives every list the page query and the list shape", async () => {
    const doc = (await app.inject({ url: "/api/openapi.json" })).json() as OpenApi;
    const paramLists = ["/api/interactions/customer/{customerId}", "/api/events/customer/{id}", "/api/events/type/{t}"];
    const missing: string[] = [];
    for (const path of [...listRoutes, ...paramLists]) {
      const op = doc.paths[path]?.get;
      const names = (op?.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
      if (!names.includes("page") || !names.includes("per_page")) missing.push(`${path}: page query`);
      if (!isListSchema(op?.responses?.["200"]?.content?.["application/json"]?.schema))
        missing.push(`${path}: list shape`);
    }
    expect(missing).toEqual([]);
  });
});
