/**
 * Shared set-up of the service-record tests (seed 004): a world with the web app, an admin key,
 * two contractors with their keys, and a small request helper.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import type { FastifyInstance } from "fastify";
import { PrismaClient } from "../../prisma/generated/client.js";
import { apiKey, createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor } from "../support/factories.js";

export type Headers = { authorization: string };

/** A test world whose Prisma client records every SQL statement it sends (Prisma's `query` event). */
export async function createCountingWorld(): Promise<TestWorld & { queries: string[] }> {
  const queries: string[] = [];
  const w = await createWorld({}, (db) => {
    const prisma = new PrismaClient({
      adapter: new PrismaPg({ connectionString: db.url, max: 4 }),
      log: [{ emit: "event", level: "query" }],
    });
    prisma.$on("query", (e) => queries.push(e.query));
    return prisma;
  });
  return { ...w, queries };
}

/**
 * The usual service-records suite: a fresh world, the app on it, an admin key, two contractors
 * (`me`, `other`) with their keys, and `call` bound to the app.
 */
export async function serviceWorld() {
  const w = await createWorld();
  const setup = await serviceSetup(w);
  return { w, ...setup, call: caller(setup.app) };
}

/** The app, an admin key and two contractors (`me`, `other`) with their keys. */
export async function serviceSetup(w: TestWorld) {
  const app = await createTestApp(w);
  const me = (await makeContractor(w.prisma)).id;
  const other = (await makeContractor(w.prisma)).id;
  return { app, me, other, admin: await apiKey(w), mine: await apiKey(w, me), theirs: await apiKey(w, other) };
}

/** Call the API: `call(app, headers)("POST", "/api/payments", body)` → { status, body }. */
export function caller(app: FastifyInstance) {
  return async (headers: Headers, method: "GET" | "POST" | "PUT" | "DELETE", url: string, payload?: unknown) => {
    const res = await app.inject({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: test responses are checked field by field
    return { status: res.statusCode, body: res.json() as any, raw: res.body };
  };
}
