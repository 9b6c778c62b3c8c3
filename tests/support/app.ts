import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../admin/app.js";
import { createChatRuntime } from "../../bot/runtime.js";
import { sandboxPort } from "../../bot/sandbox/session.js";
import { createApiKey } from "../../core/accounts/api-key.service.js";
import { createWorld, type TestWorld } from "./deps.js";

/** The web app on a test world, ready for `app.inject()` (with the panel's chat sandbox when asked). */
export async function createTestApp(w: TestWorld, opts: { sandbox?: boolean } = {}): Promise<FastifyInstance> {
  const app = await buildApp({
    ...w.deps,
    sandbox: opts.sandbox ? sandboxPort(w.deps, createChatRuntime(w.deps).chat) : undefined,
    version: "test",
    dbMode: "embedded",
    queueMode: "embedded",
    checkReady: async () => {
      await w.prisma.$queryRaw`select 1`;
    },
  });
  await app.ready();
  return app;
}

/** A fresh API key; `ownerId` makes it a contractor key. Returns the Authorization header. */
export async function apiKey(w: TestWorld, ownerId?: string): Promise<{ authorization: string }> {
  const r = await createApiKey(
    w.prisma,
    { token: (n = 16) => randomBytes(n).toString("base64url") },
    {
      name: ownerId ? "contractor key" : "admin key",
      scope: ownerId ? { kind: "contractor", ownerId } : { kind: "admin" },
    },
  );
  if (!r.ok) throw new Error(r.message);
  return { authorization: `Bearer ${r.value.key}` };
}

/** A fresh world (the clock at `now`, if given), the web app on it and an admin API key. */
export async function apiWorld(now?: Date) {
  const w = await createWorld();
  if (now) w.clock.set(now);
  const app = await createTestApp(w);
  return { w, app, admin: await apiKey(w) };
}

/** Close a suite's app and its world (either may be missing if set-up failed part-way). */
export async function closeTestApp(app: FastifyInstance | undefined, w: TestWorld | undefined): Promise<void> {
  await app?.close();
  await w?.close();
}
