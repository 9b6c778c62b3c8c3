/**
 * Soft delete (issue 15): sequence, message and prompt templates and segments leave every list
 * when deleted from the panel, are switched off, keep their row, are audited, and can be
 * restored; a new prompt key can be added from the panel.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restoreTemplate } from "../../core/nurturing/template-trash.service.js";
import { restoreSegment } from "../../core/segments/segment.service.js";
import { apiKey, closeTestApp } from "../support/app.js";
import type { TestWorld } from "../support/deps.js";
import { makeMessageTemplate, makeSegment, makeSequenceTemplate } from "../support/factories.js";
import { type PanelClient, signedInPanel } from "./support.js";

const NOW = new Date("2026-03-10T15:00:00Z");
let w: TestWorld;
let app: FastifyInstance;
let admin: PanelClient;
let adminId: string;

beforeAll(async () => {
  ({
    w,
    app,
    client: admin,
    user: { id: adminId },
  } = await signedInPanel(NOW));
});
afterAll(() => closeTestApp(app, w));

const audited = (action: string, id: string) =>
  w.prisma.auditLog.count({ where: { action, entity_id: id, actor_user_id: adminId, actor_kind: "panel_user" } });

describe("templates", () => {
  it("deletes a sequence template: hidden from the panel and the API, switched off, audited, restorable", async () => {
    const t = await makeSequenceTemplate(w.prisma, { name: "Doomed sequence" });
    expect((await admin.get("/admin/templates")).body).toContain(`tpl-${t.id}`);
    const res = await admin.request({
      method: "POST",
      url: `/admin/templates/sequences/${t.id}/delete`,
      headers: { "hx-request": "true" },
    });
    expect(res.statusCode).toBe(200);
    const row = await w.prisma.sequenceTemplate.findUniqueOrThrow({ where: { id: t.id } });
    expect(row.deleted_at).toEqual(NOW);
    expect(row.is_active).toBe(false);
    expect(await audited("sequence_template.deleted", t.id)).toBe(1);
    expect((await admin.get("/admin/templates")).body).not.toContain(`tpl-${t.id}`);
    const api = await app.inject({ url: "/api/sequence-templates?per_page=200", headers: await apiKey(w) });
    expect(api.statusCode).toBe(200);
    expect(api.body).not.toContain(t.id);
    expect((await admin.postForm(`/admin/templates/sequences/${t.id}/delete`, {})).statusCode).toBe(409);

    const back = await restoreTemplate(w.deps, "sequences", { kind: "admin" }, t.id, { kind: "system" });
    expect(back.ok).toBe(true);
    expect((await admin.get("/admin/templates")).body).toContain(`tpl-${t.id}`);
  });

  it("deletes a message template and a whole prompt key", async () => {
    const m = await makeMessageTemplate(w.prisma);
    expect((await admin.postForm(`/admin/templates/messages/${m.id}/delete`, {})).statusCode).toBe(303);
    expect((await w.prisma.messageTemplate.findUniqueOrThrow({ where: { id: m.id } })).deleted_at).toEqual(NOW);
    expect((await admin.get("/admin/templates")).body).not.toContain(`tpl-${m.id}`);
    // The deleted template freed its key: a new one may take it, and then the old one cannot come back.
    const again = await app.inject({
      method: "POST",
      url: "/api/message-templates",
      headers: await apiKey(w),
      payload: { key: m.key, language: m.language, name: "Second life", body: "Hello again" },
    });
    expect(again.statusCode, again.body).toBe(201);
    const back = await restoreTemplate(w.deps, "messages", { kind: "admin" }, m.id, { kind: "system" });
    expect(back).toMatchObject({ ok: false, code: "CONFLICT" });
    expect((await w.prisma.messageTemplate.findUniqueOrThrow({ where: { id: m.id } })).deleted_at).toEqual(NOW);

    const v1 = await w.prisma.promptTemplate.create({
      data: {
        key: "doomed_prompt",
        version: 1,
        name: "Doomed",
        system_prompt: "s",
        user_template: "u",
        is_active: false,
      },
    });
    const v2 = await w.prisma.promptTemplate.create({
      data: { key: "doomed_prompt", version: 2, name: "Doomed", system_prompt: "s2", user_template: "u" },
    });
    expect((await admin.get("/admin/templates")).body).toContain(`tpl-${v2.id}`);
    expect((await admin.postForm(`/admin/templates/prompts/${v2.id}/delete`, {})).statusCode).toBe(303);
    const left = await w.prisma.promptTemplate.findMany({ where: { key: "doomed_prompt", deleted_at: null } });
    expect(left).toEqual([]);
    expect(v1.id).toBeTruthy();
    expect((await admin.get("/admin/templates")).body).not.toContain("doomed_prompt");
    expect(await audited("prompt_template.deleted", v2.id)).toBe(1);
    expect((await admin.postForm("/admin/templates/widgets/x/delete", {})).statusCode).toBe(404);
  });

  it("adds a new prompt key from a form, refusing a taken key or a bad one with the field named", async () => {
    expect((await admin.get("/admin/templates/prompts/new")).statusCode).toBe(200);
    const form = {
      key: "winback_greeting",
      name: "Win-back",
      model: "",
      system_prompt: "Be warm.",
      user_template: "Hi {{customer_name}}",
    };
    const res = await admin.postForm("/admin/templates/prompts/new", form);
    expect(res.statusCode).toBe(303);
    const created = await w.prisma.promptTemplate.findFirstOrThrow({ where: { key: "winback_greeting" } });
    expect(created).toMatchObject({ version: 1, is_active: true, name: "Win-back" });
    expect(await audited("prompt_template.created", created.id)).toBe(1);
    const taken = await admin.postForm("/admin/templates/prompts/new", form);
    expect(taken.statusCode).toBe(422);
    expect(taken.body).toContain('data-error-for="key"');
    const bad = await admin.postForm("/admin/templates/prompts/new", { ...form, key: "Bad Key!" });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('data-error-for="key"');
    expect(await w.prisma.promptTemplate.count({ where: { key: "winback_greeting" } })).toBe(1);
  });
});

describe("segments", () => {
  it("deletes a segment softly (hidden, audited, campaigns kept) and restores it", async () => {
    const s = await makeSegment(w.prisma, { name: "Doomed segment" });
    expect((await admin.get("/admin/segments")).body).toContain("Doomed segment");
    expect((await admin.postForm(`/admin/segments/${s.id}/delete`, {})).statusCode).toBe(303);
    expect((await w.prisma.segment.findUniqueOrThrow({ where: { id: s.id } })).deleted_at).toEqual(NOW);
    expect(await audited("segment.deleted", s.id)).toBe(1);
    expect((await admin.get("/admin/segments")).body).not.toContain("Doomed segment");
    expect((await admin.get(`/admin/segments/${s.id}`)).statusCode).toBe(404);
    expect((await admin.postForm(`/admin/segments/${s.id}/delete`, {})).statusCode).toBe(404);
    const back = await restoreSegment(w.deps, { kind: "admin" }, s.id, { kind: "system" });
    expect(back.ok).toBe(true);
    expect((await admin.get("/admin/segments")).body).toContain("Doomed segment");
  });
});
