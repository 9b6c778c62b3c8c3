import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createChatApp } from "../../bot/chat/app.js";
import { createChatRuntime } from "../../bot/runtime.js";
import { createWhatsappAdapter, type WhatsappAdapter } from "../../bot/whatsapp/adapter.js";
import { useDatabaseAuthState } from "../../bot/whatsapp/auth-state.js";
import { reconnectDelayMs } from "../../bot/whatsapp/connection.js";
import { whatsappOverview } from "../../core/messaging/whatsapp-guard.service.js";
import { requestWhatsappPairingCode } from "../../core/messaging/whatsapp-status.service.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { FakeSocketFactory, FakeTimers } from "./fake-baileys.js";

let w: TestWorld;
let fake: FakeSocketFactory;
let timers: FakeTimers;
let wa: WhatsappAdapter;

beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => {
  await w?.close();
});
beforeEach(async () => {
  fake = new FakeSocketFactory();
  timers = new FakeTimers(w.clock);
  await w.prisma.setting.deleteMany({ where: { key: { startsWith: "whatsapp." } } });
  wa = createWhatsappAdapter(w.deps, {
    chat: createChatApp(w.deps),
    socketFactory: fake.factory,
    timers,
    sessionId: `s${Math.random()}`,
  });
});

/** Let the connection's async handlers and status writes finish. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setImmediate(r));
    await wa.connection.settled();
  }
}

describe("WhatsApp connection manager", () => {
  it("is not built at all unless WHATSAPP_ENABLED (the real socket is never made)", () => {
    const rt = createChatRuntime(w.deps);
    expect(w.deps.config.whatsappEnabled).toBe(false);
    expect(rt.whatsapp).toBeUndefined();
    expect(rt.channels.whatsapp).toBeUndefined();
  });

  it("pairs by QR: connecting → qr (PNG for the panel, in settings) → open", async () => {
    await wa.connection.start();
    expect(wa.connection.status().state).toBe("connecting");
    fake.last.qr();
    await settle();
    expect(wa.connection.status().state).toBe("qr");
    expect(wa.connection.qrDataUrl()).toMatch(/^data:image\/png;base64,/);
    const seen = await whatsappOverview(w.deps);
    expect(seen.status?.state).toBe("qr");
    expect(seen.status?.qrPng).toBe(wa.connection.qrDataUrl());
    expect(wa.connection.socket()).toBeNull(); // nothing is sent before pairing
    fake.last.open();
    await settle();
    expect(wa.connection.status()).toMatchObject({ state: "open", me: "4599999999:1@s.whatsapp.net" });
    expect(wa.connection.socket()).toBe(fake.last);
    expect((await whatsappOverview(w.deps)).status?.state).toBe("open");
    expect((await whatsappOverview(w.deps)).status?.qr).toBeUndefined();
  });

  it("pairs by code requested from the panel through the database", async () => {
    await wa.connection.start();
    fake.last.qr();
    await settle();
    expect(await requestWhatsappPairingCode(w.deps, "+45 2000 0001")).toEqual({ ok: true, phone: "4520000001" });
    await wa.connection.pollRequests();
    await settle();
    expect(fake.last.pairingRequests).toEqual(["4520000001"]);
    expect(wa.connection.status()).toMatchObject({ state: "pairing-code", pairingCode: "LEAD1234" });
    expect((await whatsappOverview(w.deps)).status?.pairingCode).toBe("LEAD1234");
    await wa.connection.pollRequests(); // the request was taken once
    expect(fake.last.pairingRequests).toHaveLength(1);
  });

  it("reconnects after a transient close, with backoff on the fake clock", async () => {
    await wa.connection.start();
    fake.last.open();
    await settle();
    fake.last.close(408, "Connection Lost");
    await settle();
    expect(wa.connection.status()).toMatchObject({ state: "reconnecting", lastError: "408 Connection Lost" });
    expect(fake.sockets).toHaveLength(1);
    timers.advance(reconnectDelayMs(1) - 1);
    expect(fake.sockets).toHaveLength(1);
    timers.advance(1);
    await settle();
    expect(fake.sockets).toHaveLength(2);
    fake.last.close(428, "Connection Closed");
    await settle();
    timers.advance(reconnectDelayMs(1));
    expect(fake.sockets).toHaveLength(2); // the second close in a row waits longer
    timers.advance(reconnectDelayMs(2) - reconnectDelayMs(1));
    await settle();
    expect(fake.sockets).toHaveLength(3);
    fake.last.open();
    await settle();
    expect(wa.connection.status().state).toBe("open");
  });

  it("restarts at once on 515 restart required", async () => {
    await wa.connection.start();
    fake.last.qr();
    fake.last.close(515, "Stream Errored (restart required)");
    await settle();
    expect(fake.sockets).toHaveLength(2);
    expect(timers.pending).toBe(0);
    fake.last.open();
    await settle();
    expect(wa.connection.status().state).toBe("open");
  });

  it("stops on a real logout: no reconnect, session forgotten, alert for the panel", async () => {
    await wa.connection.start();
    fake.last.open();
    await settle();
    const sessionRows = async () =>
      w.prisma.whatsappAuth.count({
        where: { session_id: (wa.connection as unknown as { opts: { sessionId: string } }).opts.sessionId },
      });
    fake.last.ev.emit("creds.update", {});
    await settle();
    expect(await sessionRows()).toBe(1);
    fake.last.close(401, "Connection Failure");
    await settle();
    expect(wa.connection.status().state).toBe("logged-out");
    timers.advance(10 * 60_000);
    await settle();
    expect(fake.sockets).toHaveLength(1);
    expect(timers.pending).toBe(0);
    expect(await sessionRows()).toBe(0);
    const { alert, status } = await whatsappOverview(w.deps);
    expect(alert).toMatchObject({ kind: "logged-out" });
    expect(status?.state).toBe("logged-out");
    const audit = await w.prisma.auditLog.findFirst({ where: { action: "whatsapp.logged_out" } });
    expect(audit).not.toBeNull();
  });

  it("pauses sending and stops on a ban signal (403)", async () => {
    await wa.connection.start();
    fake.last.open();
    await settle();
    fake.last.close(403, "forbidden");
    await settle();
    expect(wa.connection.status().state).toBe("paused");
    timers.advance(10 * 60_000);
    expect(fake.sockets).toHaveLength(1);
    const { guard, alert } = await whatsappOverview(w.deps);
    expect(guard.paused).toMatchObject({ kind: "ban", until: null });
    expect(alert?.kind).toBe("ban");
  });

  it("stops asking after three unscanned QR rounds instead of looping", async () => {
    await wa.connection.start();
    for (let round = 1; round <= 3; round++) {
      fake.last.qr(`2@qr-${round}`);
      await settle();
      fake.last.close(408, "QR refs attempts ended");
      await settle();
      timers.advance(60_000);
      await settle();
    }
    expect(wa.connection.status().state).toBe("paused");
    expect(fake.sockets).toHaveLength(3);
  });

  it("keeps credentials saved on creds.update in the database", async () => {
    await wa.connection.start();
    const sessionId = (wa.connection as unknown as { opts: { sessionId: string } }).opts.sessionId;
    fake.last.ev.emit("creds.update", {});
    await settle();
    const stored = await useDatabaseAuthState(w.prisma, sessionId);
    expect(stored.state.creds.noiseKey.public).toBeDefined();
    expect(await w.prisma.whatsappAuth.count({ where: { session_id: sessionId, key_type: "creds" } })).toBe(1);
    await wa.connection.stop();
    expect(fake.last.ended).toBe(true);
    expect(wa.connection.status().state).toBe("stopped");
  });
});
