/**
 * The API-key cache (core/accounts/api-key.service.ts resolveApiKey): a busy key is read once
 * per 30 s, not once per request; a revoked key stops working within those 30 s, never later.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_CACHE_TTL_MS, hashApiKey, resolveApiKey } from "../../core/accounts/api-key.service.js";
import type { Db } from "../../core/db.js";
import { apiKey } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeMarketer } from "../support/factories.js";

let w: TestWorld;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => {
  await w?.close();
});

/** The database, counting the key reads and writes resolveApiKey makes. */
function counted() {
  const n = { reads: 0, writes: 0 };
  const db = {
    apiKey: {
      findUnique: (args: Parameters<typeof w.prisma.apiKey.findUnique>[0]) => {
        n.reads++;
        return w.prisma.apiKey.findUnique(args);
      },
      updateMany: (args: Parameters<typeof w.prisma.apiKey.updateMany>[0]) => {
        n.writes++;
        return w.prisma.apiKey.updateMany(args);
      },
    },
  } as unknown as Db;
  return { db, n };
}

describe("API-key cache", () => {
  it("reads a key once per TTL, notes its use once a minute, and honours a revocation within the TTL", async () => {
    const owner = (await makeMarketer(w.prisma)).id;
    const key = (await apiKey(w, owner)).authorization.slice("Bearer ".length);
    const { db, n } = counted();
    const t0 = w.clock.now().getTime();
    const at = (ms: number) => new Date(t0 + ms);
    const scope = { kind: "contractor", ownerId: owner };

    expect(await resolveApiKey(db, key, at(0))).toEqual(scope);
    for (let i = 1; i <= 20; i++) expect(await resolveApiKey(db, key, at(i * 100))).toEqual(scope);
    expect(n).toEqual({ reads: 1, writes: 1 });
    const row = await w.prisma.apiKey.findUniqueOrThrow({ where: { key_hash: hashApiKey(key) } });
    expect(row.last_used_at?.getTime()).toBe(t0);

    await w.prisma.apiKey.update({ where: { id: row.id }, data: { revoked_at: at(5_000) } });
    // Documented: a revocation may take up to the TTL to reach a process that read the key before it.
    expect(await resolveApiKey(db, key, at(API_KEY_CACHE_TTL_MS - 1))).toEqual(scope);
    expect(n.reads).toBe(1);
    // Never past it.
    expect(await resolveApiKey(db, key, at(API_KEY_CACHE_TTL_MS))).toBeNull();
    expect(await resolveApiKey(db, key, at(API_KEY_CACHE_TTL_MS + 1))).toBeNull();
    expect(n.reads).toBe(3);
  });

  it("never caches an unknown key, and re-reads a live key after the TTL (last use noted once a minute)", async () => {
    const { db, n } = counted();
    const t0 = w.clock.now().getTime() + 3_600_000;
    expect(await resolveApiKey(db, "lr_nope", new Date(t0))).toBeNull();
    expect(await resolveApiKey(db, "lr_nope", new Date(t0 + 1))).toBeNull();
    expect(n.reads).toBe(2);
    const owner = (await makeMarketer(w.prisma)).id;
    const key = (await apiKey(w, owner)).authorization.slice("Bearer ".length);
    for (const s of [0, 10, 31, 45, 61, 62])
      expect(await resolveApiKey(db, key, new Date(t0 + s * 1000))).not.toBeNull();
    // Reads at 0, 31 and 61 s (each 30 s TTL ran out); writes at 0 and 61 s.
    expect(n).toEqual({ reads: 2 + 3, writes: 2 });
  });
});
