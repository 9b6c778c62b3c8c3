import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordJobRun } from "../../core/ops/ops.query.js";
import type { Prisma } from "../../prisma/generated/client.js";
import { createTestApp } from "../support/app.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor } from "../support/factories.js";
import { createPanelUser, PanelClient } from "./support.js";

const NOW = new Date("2026-11-18T17:00:00Z");
const XSS = "<script>alert(1)</script>";
const HX = { "hx-request": "true" };
let w: TestWorld;
let app: FastifyInstance;
let admin: PanelClient;
let adminId: string;
let adminEmail: string;
let failedId: string;
let cancelledId: string;

function outbound(
  over: Partial<Prisma.OutboundMessageUncheckedCreateInput>,
): Prisma.OutboundMessageUncheckedCreateInput {
  return {
    channel: "email",
    to_address: "someone@example.test",
    kind: "blast",
    body: "Hello",
    next_attempt_at: NOW,
    created_at: new Date(NOW.getTime() - 3600_000),
    ...over,
  };
}

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(NOW);
  const contractor = await makeContractor(w.prisma, { company_name: "Mesa Fixers" });
  await w.prisma.outboundMessage.createMany({
    data: Array.from({ length: 55 }, (_, i) =>
      outbound({ status: "sent", sent_at: NOW, created_at: new Date(NOW.getTime() - (i + 10) * 60_000) }),
    ),
  });
  const failed = await w.prisma.outboundMessage.create({
    data: outbound({
      channel: "telegram",
      to_address: "tg-1",
      user_id: contractor.id,
      kind: "appeal_decided",
      body: `Your appeal ${XSS}`,
      status: "failed",
      attempts: 6,
      failed_at: NOW,
      last_error: "403 Forbidden: bot was blocked by the user",
      created_at: NOW,
    }),
  });
  failedId = failed.id;
  cancelledId = (
    await w.prisma.outboundMessage.create({
      data: outbound({ channel: "sms", to_address: "+16025550100", status: "cancelled", created_at: NOW }),
    })
  ).id;
  await w.prisma.outboundMessage.create({
    data: outbound({ channel: "telegram", to_address: "tg-2", status: "queued" }),
  });
  await w.prisma.jobRun.createMany({
    data: [
      {
        name: "reconcile",
        last_started_at: new Date(NOW.getTime() - 3 * 3600_000),
        last_finished_at: new Date(NOW.getTime() - 3 * 3600_000),
        run_count: 120,
      },
      {
        name: "nightly-digest",
        last_started_at: new Date(NOW.getTime() - 600_000),
        last_finished_at: new Date(NOW.getTime() - 590_000),
        last_error: `boom ${XSS}`,
        run_count: 4,
      },
    ],
  });
  app = await createTestApp(w);
  const u = await createPanelUser(w, "admin");
  adminId = u.id;
  adminEmail = u.email ?? "";
  admin = new PanelClient(app);
  await admin.login(adminEmail);
});
afterAll(async () => {
  await app.close();
  await w.close();
});

const rows = (html: string) => html.match(/data-outbound="[0-9a-f-]{36}"/g) ?? [];

describe("outbox", () => {
  it("lists messages newest first with counts per status, 50 a page", async () => {
    const res = await admin.get("/admin/ops");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("<html");
    expect(rows(res.body)).toHaveLength(50);
    expect(res.body).toContain('data-count="sent">sent 55<');
    expect(res.body).toContain('data-count="failed">failed 1<');
    expect(res.body).toContain("bot was blocked by the user");
    expect(res.body).toContain("Mesa Fixers");
    expect(res.body).not.toContain(XSS);
    expect(res.body).toContain("&lt;script&gt;");
    const p2 = await admin.get("/admin/ops?page=2");
    expect(rows(p2.body)).toHaveLength(8);
  });

  it("filters by status and channel; htmx gets the table only", async () => {
    const failed = await admin.get("/admin/ops?status=failed&channel=telegram", HX);
    expect(failed.body).not.toContain("<html");
    expect(failed.body.trim().startsWith('<div id="outbox-table"')).toBe(true);
    expect(rows(failed.body)).toEqual([`data-outbound="${failedId}"`]);
    expect(failed.body).toContain(`/admin/ops/outbox/${failedId}/retry`);
    const sms = await admin.get("/admin/ops?channel=sms");
    expect(rows(sms.body)).toEqual([`data-outbound="${cancelledId}"`]);
    const bad = await admin.get("/admin/ops?status=exploded");
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('data-code="VALIDATION_FAILED"');
  });

  it("retries a failed message: the row swaps to queued, the outbox row is due again, audited", async () => {
    const m = await createPanelUser(w, "sales_manager");
    const mc = new PanelClient(app);
    await mc.login(m.email ?? "");
    expect((await mc.postForm(`/admin/ops/outbox/${failedId}/retry`, {})).statusCode).toBe(403);

    const res = await admin.request({ method: "POST", url: `/admin/ops/outbox/${failedId}/retry`, headers: HX });
    expect(res.statusCode).toBe(200);
    expect(res.body.trim().startsWith(`<tr id="outbound-${failedId}"`)).toBe(true);
    expect(res.body).toContain('data-status="queued"');
    expect(res.body).not.toContain("/retry");
    const row = await w.prisma.outboundMessage.findUniqueOrThrow({ where: { id: failedId } });
    expect(row).toMatchObject({ status: "queued", attempts: 0, failed_at: null, next_attempt_at: NOW });
    const audit = await w.prisma.auditLog.findFirstOrThrow({
      where: { action: "outbox.retried", entity_id: failedId },
    });
    expect(audit.actor_user_id).toBe(adminId);

    const again = await admin.postForm(`/admin/ops/outbox/${failedId}/retry`, {});
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('data-code="CONFLICT"');
    const cancelled = await admin.postForm(`/admin/ops/outbox/${cancelledId}/retry`, {});
    expect(cancelled.statusCode).toBe(409);
    expect((await admin.postForm("/admin/ops/outbox/nope/retry", {})).statusCode).toBe(404);
  });
});

describe("job health", () => {
  it("shows each job's last run and marks the late and failing ones", async () => {
    const res = await admin.get("/admin/ops/jobs");
    expect(res.statusCode).toBe(200);
    const reconcile = res.body.slice(res.body.indexOf('data-job="reconcile"')).split("</tr>")[0] ?? "";
    expect(reconcile).toContain('data-state="late"');
    expect(reconcile).toContain("data-late");
    expect(reconcile).toContain("120");
    const digest = res.body.slice(res.body.indexOf('data-job="nightly-digest"')).split("</tr>")[0] ?? "";
    expect(digest).toContain('data-state="failed"');
    expect(digest).not.toContain("data-late");
    expect(digest).toContain("boom &lt;script&gt;");
  });

  it("recordJobRun writes start, finish, error and count", async () => {
    await recordJobRun(w.deps, "reconcile", async () => "done");
    await expect(recordJobRun(w.deps, "flaky", async () => Promise.reject(new Error("db gone")))).rejects.toThrow();
    const res = await admin.get("/admin/ops/jobs");
    const reconcile = res.body.slice(res.body.indexOf('data-job="reconcile"')).split("</tr>")[0] ?? "";
    expect(reconcile).toContain('data-state="ok"');
    expect(reconcile).toContain("121");
    const flaky = await w.prisma.jobRun.findUniqueOrThrow({ where: { name: "flaky" } });
    expect(flaky).toMatchObject({ run_count: 1, last_error: "db gone" });
  });
});

describe("audit log", () => {
  it("lists panel changes and filters by entity and actor; htmx gets the table only", async () => {
    await w.prisma.auditLog.create({
      data: {
        actor_kind: "contractor",
        action: "chat.linked",
        entity_type: "channel_identity",
        entity_id: "x1",
        after: { name: XSS },
        created_at: NOW,
      },
    });
    const res = await admin.get("/admin/ops/audit");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("outbox.retried");
    expect(res.body).toContain("chat.linked");
    expect(res.body).not.toContain(XSS);
    const byEntity = await admin.get("/admin/ops/audit?entity=outbound_message", HX);
    expect(byEntity.body.trim().startsWith('<div id="audit-table"')).toBe(true);
    expect(byEntity.body).toContain("outbox.retried");
    expect(byEntity.body).not.toContain("chat.linked");
    const byActor = await admin.get(`/admin/ops/audit?actor=${encodeURIComponent(adminEmail)}`);
    expect(byActor.body).toContain("outbox.retried");
    expect(byActor.body).not.toContain("chat.linked");
    const byKind = await admin.get("/admin/ops/audit?kind=contractor");
    expect(byKind.body.match(/data-audit=/g)).toHaveLength(1);
    expect(byKind.body).toContain('<option value="contractor" selected>');
    const byPanel = await admin.get("/admin/ops/audit?kind=panel_user", HX);
    expect(byPanel.body).toContain("outbox.retried");
    expect(byPanel.body).not.toContain("chat.linked");
    const unknownKind = await admin.get("/admin/ops/audit?kind=chat");
    expect(unknownKind.statusCode).toBe(400);
    const bad = await admin.get("/admin/ops/audit?page=zero");
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('data-code="VALIDATION_FAILED"');
  });
});
