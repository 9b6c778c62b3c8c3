/**
 * A stranger asks for access in chat, an admin decides (core/accounts/access.service.ts, what the
 * panel calls), and the person is told in that chat — once, audited, in their language.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatApp } from "../../bot/chat/app.js";
import { sandboxChannel } from "../../bot/sandbox/channel.js";
import { approveAccessRequest, rejectAccessRequest } from "../../core/accounts/access.service.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import type { User } from "../../prisma/generated/client.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeAdmin, makeContractor } from "../support/factories.js";
import { sandboxApp, sandboxClient, textsOf } from "./helpers.js";

let w: TestWorld;
let app: FastifyInstance;
let chat: ReturnType<typeof sandboxClient>;
let admin: User;

beforeAll(async () => {
  w = await createWorld();
  app = await sandboxApp(w, createChatApp(w.deps));
  chat = sandboxClient(app, new OutboxSender(w.deps, { channels: { sandbox: sandboxChannel } }));
  admin = await makeAdmin(w.prisma);
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

/** A stranger on `session` asks for access; their pending user. */
async function requestFrom(session: string, name: string, language?: string): Promise<User> {
  await chat.say(session, "new", { text: "hi", name, ...(language ? { language } : {}) });
  expect(textsOf(await chat.say(session, "new", { choice: "access:request", name }))).toMatch(
    /request is with an admin|anmodning/,
  );
  return w.prisma.user.findFirstOrThrow({ where: { name, account_status: "pending" } });
}

describe("deciding a chat access request", () => {
  it("approves: the account is active, the person is told once with buttons, and it is audited", async () => {
    const nina = await requestFrom("sbx-nina", "Nina Newbie");
    const r = await approveAccessRequest(w.deps, { userId: nina.id, actor: { kind: "panel_user", userId: admin.id } });
    expect(r).toMatchObject({ ok: true, value: { changed: true, notified: true, user: { account_status: "active" } } });
    const [told] = await chat.fresh("sbx-nina");
    expect(told?.kind).toBe("access_decided");
    expect(told?.text).toMatch(/^✅ Welcome, Nina Newbie! Your access is approved\./);
    expect(told?.buttons.map((b) => b.data)).toEqual(["cmd:profile", "cmd:help"]);
    expect(textsOf(await chat.say("sbx-nina", "new", { choice: "cmd:profile" }))).toMatch(/^👤 Your profile/);

    const again = await approveAccessRequest(w.deps, {
      userId: nina.id,
      actor: { kind: "panel_user", userId: admin.id },
    });
    expect(again).toMatchObject({ ok: true, value: { changed: false, notified: false } });
    expect(await chat.fresh("sbx-nina")).toEqual([]);
    const audit = await w.prisma.auditLog.findMany({ where: { entity_id: nina.id, action: "access.approved" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_user_id: admin.id, actor_kind: "panel_user" });
  });

  it("rejects: the account is disabled, the person is told with the note, in their language", async () => {
    const jens = await requestFrom("sbx-jens", "Jens Ny", "da");
    const r = await rejectAccessRequest(w.deps, {
      userId: jens.id,
      actor: { kind: "panel_user", userId: admin.id },
      note: "Ukendt firma",
    });
    expect(r).toMatchObject({ ok: true, value: { changed: true, user: { account_status: "disabled" } } });
    expect(textsOf(await chat.fresh("sbx-jens"))).toBe(
      "Din anmodning om adgang blev ikke godkendt. Kontakt din administrator, hvis du mener, det er en fejl.\nNote: Ukendt firma",
    );
    expect(textsOf(await chat.say("sbx-jens", "new", { text: "/leads" }))).toMatch(/deaktiveret|disabled/);
    expect(
      await rejectAccessRequest(w.deps, { userId: jens.id, actor: { kind: "panel_user", userId: admin.id } }),
    ).toMatchObject({
      ok: true,
      value: { changed: false },
    });
    expect(
      await approveAccessRequest(w.deps, { userId: jens.id, actor: { kind: "panel_user", userId: admin.id } }),
    ).toMatchObject({
      ok: false,
      code: "CONFLICT",
    });
    expect(await chat.fresh("sbx-jens")).toEqual([]);
  });

  it("refuses deciders who are not admins, and people who do not exist", async () => {
    const lars = await requestFrom("sbx-lars", "Lars Later");
    const contractor = await makeContractor(w.prisma);
    expect(
      await approveAccessRequest(w.deps, { userId: lars.id, actor: { kind: "panel_user", userId: contractor.id } }),
    ).toMatchObject({
      ok: false,
      code: "FORBIDDEN",
    });
    expect(
      await approveAccessRequest(w.deps, { userId: lars.id, actor: { kind: "panel_user", userId: "nope" } }),
    ).toMatchObject({
      ok: false,
      code: "FORBIDDEN",
    });
    expect(
      await approveAccessRequest(w.deps, {
        userId: "00000000-0000-4000-8000-000000000000",
        actor: { kind: "panel_user", userId: admin.id },
      }),
    ).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect((await w.prisma.user.findUniqueOrThrow({ where: { id: lars.id } })).account_status).toBe("pending");
    expect(textsOf(await chat.say("sbx-lars", "new", { text: "/leads" }))).toMatch(/waiting for an admin/);
  });
});
