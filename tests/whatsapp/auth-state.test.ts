import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useDatabaseAuthState } from "../../bot/whatsapp/auth-state.js";
import { proto } from "../../bot/whatsapp/baileys.js";
import { createWorld, type TestWorld } from "../support/deps.js";

let w: TestWorld;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => {
  await w?.close();
});

describe("WhatsApp auth state in the database", () => {
  it("round-trips credentials with their Buffers through whatsapp_auth", async () => {
    const first = await useDatabaseAuthState(w.prisma, "s1");
    expect(first.state.creds.registered).toBe(false);
    first.state.creds.me = { id: "4511111111:2@s.whatsapp.net", name: "LeadRelay" };
    await first.saveCreds();
    const again = await useDatabaseAuthState(w.prisma, "s1");
    expect(again.state.creds.me?.id).toBe("4511111111:2@s.whatsapp.net");
    expect(Buffer.isBuffer(again.state.creds.noiseKey.private)).toBe(true);
    expect(
      Buffer.from(again.state.creds.noiseKey.private).equals(Buffer.from(first.state.creds.noiseKey.private)),
    ).toBe(true);
    expect(again.state.creds.signedIdentityKey.public).toEqual(first.state.creds.signedIdentityKey.public);
    // Another session's state is separate.
    const other = await useDatabaseAuthState(w.prisma, "s2");
    expect(other.state.creds.me).toBeUndefined();
  });

  it("stores keys, deletes them with null, and rebuilds app-state sync keys as protobufs", async () => {
    const { state } = await useDatabaseAuthState(w.prisma, "s1");
    const preKey = { public: Buffer.from([1, 2, 3]), private: Buffer.from([4, 5, 6]) };
    await state.keys.set({
      "pre-key": { "1": preKey, "2": preKey },
      "app-state-sync-key": { AAAA: { keyData: Buffer.from([9, 9]), timestamp: 1700000000 } },
      session: { "4511111111.0": Buffer.from([7]) },
    });
    const keys = await state.keys.get("pre-key", ["1", "2", "3"]);
    expect(Object.keys(keys).sort()).toEqual(["1", "2"]);
    expect(Buffer.from(keys["1"]?.private ?? []).equals(Buffer.from([4, 5, 6]))).toBe(true);
    const sync = await state.keys.get("app-state-sync-key", ["AAAA"]);
    expect(sync.AAAA).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
    expect(Buffer.from(sync.AAAA?.keyData ?? []).equals(Buffer.from([9, 9]))).toBe(true);

    await state.keys.set({ "pre-key": { "1": null } });
    expect(Object.keys(await state.keys.get("pre-key", ["1", "2"]))).toEqual(["2"]);
  });

  it("writes a batch atomically: one bad key and none of the batch is stored", async () => {
    const { state } = await useDatabaseAuthState(w.prisma, "s1");
    const before = await w.prisma.whatsappAuth.count({ where: { session_id: "s1" } });
    await expect(
      state.keys.set({
        "pre-key": { "10": { public: Buffer.from([1]), private: Buffer.from([2]) } },
        session: { ["x".repeat(300)]: Buffer.from([1]) }, // key_id is VARCHAR(255)
      }),
    ).rejects.toThrow();
    expect(await w.prisma.whatsappAuth.count({ where: { session_id: "s1" } })).toBe(before);
    expect(await state.keys.get("pre-key", ["10"])).toEqual({});
  });

  it("clear() forgets the session, so the next start pairs with fresh credentials", async () => {
    const auth = await useDatabaseAuthState(w.prisma, "s1");
    const oldKey = Buffer.from(auth.state.creds.noiseKey.public);
    await auth.clear();
    expect(await w.prisma.whatsappAuth.count({ where: { session_id: "s1" } })).toBe(0);
    const fresh = await useDatabaseAuthState(w.prisma, "s1");
    expect(fresh.state.creds.me).toBeUndefined();
    expect(Buffer.from(fresh.state.creds.noiseKey.public).equals(oldKey)).toBe(false);
    expect(await w.prisma.whatsappAuth.count({ where: { session_id: "s2" } })).toBe(0);
  });
});
