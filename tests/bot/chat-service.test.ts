/**
 * Service records from the chat (issue 13): "done 450 card Anna" completes the customer's open
 * job (or books a completed one) and records the payment, in one go; "/appliance water heater
 * Rheem 2015 Anna" adds an appliance; /card shows the profit and the appliances' health; the
 * card's buttons do the same in two taps. Only the contractor's own customers, exact money,
 * nothing written on bad input. Through the sandbox API, as a person would.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatApp } from "../../bot/chat/app.js";
import { sandboxChannel } from "../../bot/sandbox/channel.js";
import { OutboxSender } from "../../jobs/outbox-sender.js";
import type { Customer, User } from "../../prisma/generated/client.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer, makeJob, makeSequenceTemplate } from "../support/factories.js";
import { sandboxApp, sandboxClient, textsOf } from "./helpers.js";

const NOW = new Date("2026-03-10T18:00:00Z");

let w: TestWorld;
let app: FastifyInstance;
let chat: ReturnType<typeof sandboxClient>;
let carla: User;
let jensen: Customer;
let berg: Customer;
let stranger: Customer;
const S = "sbx-service";
const as = () => `contractor:${carla.id}`;
const say = (text: string) => chat.say(S, as(), { text });
const press = (choice: string) => chat.say(S, as(), { choice });

/** Everything a refused message must leave untouched. */
async function fingerprint() {
  const p = w.prisma;
  return JSON.stringify(
    await Promise.all([
      p.job.findMany({ orderBy: { id: "asc" }, select: { id: true, status: true } }),
      p.payment.count(),
      p.appliance.count(),
      p.auditLog.count(),
    ]),
  );
}

beforeAll(async () => {
  w = await createWorld();
  w.clock.set(NOW);
  app = await sandboxApp(w, createChatApp(w.deps));
  chat = sandboxClient(app, new OutboxSender(w.deps, { channels: { sandbox: sandboxChannel } }));
  carla = await makeContractor(w.prisma, { name: "Carla Cool", timezone: "America/Phoenix" });
  jensen = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Anna Jensen" });
  berg = await makeCustomer(w.prisma, { owner_id: carla.id, name: "Anna Berg" });
  const other = await makeContractor(w.prisma, { name: "Otto Other" });
  stranger = await makeCustomer(w.prisma, { owner_id: other.id, name: "Zed Stranger" });
});
afterAll(async () => {
  await app?.close();
  await w?.close();
});

describe("done AMOUNT METHOD NAME", () => {
  it("with no open job, books a completed job and records the payment by card, audited as the contractor", async () => {
    const [reply] = await say("done 450 card Anna Jensen");
    expect(reply?.text).toBe(
      "✅ A completed job for Anna Jensen is booked and $450.00 is recorded (card).\n" +
        "💰 Revenue $450.00 · expenses $0.00 · profit $450.00",
    );
    expect(reply?.buttons.map((b) => b.data)).toEqual([`act:card:${jensen.id}`]);
    const job = await w.prisma.job.findFirstOrThrow({ where: { customer_id: jensen.id } });
    expect(job).toMatchObject({ status: "completed", owner_id: carla.id, title: "Service visit" });
    expect(job.completion_date?.toISOString()).toBe(NOW.toISOString());
    const pay = await w.prisma.payment.findFirstOrThrow({ where: { customer_id: jensen.id } });
    expect(pay).toMatchObject({ job_id: job.id, payment_method: "card", owner_id: carla.id });
    expect(pay.amount.toString()).toBe("450");
    const rows = await w.prisma.auditLog.findMany({ where: { actor_user_id: carla.id, actor_kind: "contractor" } });
    expect(rows.map((r) => r.action).sort()).toEqual(["job.created", "payment.created"]);
  });

  it("completes the customer's only open job, and asks which when there are several", async () => {
    const visit = await makeJob(w.prisma, { owner_id: carla.id, customer_id: berg.id, title: "Furnace tune-up" });
    const [reply] = await say("/done $1,250.50 paid by bank transfer Anna Berg");
    expect(reply?.text).toContain(
      "✅ Furnace tune-up for Anna Berg is completed and $1,250.50 is recorded (bank transfer).",
    );
    expect(await w.prisma.job.findUniqueOrThrow({ where: { id: visit.id } })).toMatchObject({ status: "completed" });
    const pay = await w.prisma.payment.findFirstOrThrow({ where: { job_id: visit.id } });
    expect(pay.payment_method).toBe("transfer");
    expect(pay.amount.toString()).toBe("1250.5");

    const a = await makeJob(w.prisma, { owner_id: carla.id, customer_id: berg.id, title: "AC repair" });
    const b = await makeJob(w.prisma, { owner_id: carla.id, customer_id: berg.id, title: "Duct cleaning" });
    const [ask] = await say("done 99.99 cash Anna Berg");
    expect(ask?.text).toBe("Anna Berg has 2 open jobs. Which one is done?");
    expect(ask?.buttons.map((x) => x.data).sort()).toEqual(
      [`jd:j:${a.id}:9999:ca`, `jd:j:${b.id}:9999:ca`, `jd:n:${berg.id}:9999:ca`].sort(),
    );
    const before = await w.prisma.payment.count();
    expect(await w.prisma.payment.count()).toBe(before);
    const [picked] = await press(`jd:j:${b.id}:9999:ca`);
    expect(picked?.text).toContain("✅ Duct cleaning for Anna Berg is completed and $99.99 is recorded (cash).");
    expect(await w.prisma.job.findUniqueOrThrow({ where: { id: b.id } })).toMatchObject({ status: "completed" });
    expect(await w.prisma.job.findUniqueOrThrow({ where: { id: a.id } })).toMatchObject({ status: "scheduled" });
    // The same job again: it is not open any more, nothing is recorded twice.
    const again = await fingerprint();
    expect(textsOf(await press(`jd:j:${b.id}:9999:ca`))).toMatch(/not open any more/);
    expect(await fingerprint()).toBe(again);
  });

  it("asks which Anna when the name fits several of the contractor's customers", async () => {
    const [ask] = await say("done 80 check Anna");
    expect(ask?.text).toBe("2 customers match “Anna”. Which one?");
    expect(ask?.buttons.map((x) => x.data).sort()).toEqual(
      [`jd:c:${jensen.id}:8000:ch`, `jd:c:${berg.id}:8000:ch`].sort(),
    );
    const [done] = await press(`jd:c:${jensen.id}:8000:ch`);
    expect(done?.text).toContain("$80.00 is recorded (check)");
    expect(done?.text).toContain("profit $530.00");
  });

  it("refuses bad amounts and other contractors' customers, writing nothing", async () => {
    for (const [text, answer] of [
      ["done 9000.505 card Anna Jensen", /“9000\.505” is not an amount I can use/],
      ["done -5 card Anna Jensen", /“-5” is not an amount I can use/],
      ["done 0 cash Anna Jensen", /“0” is not an amount I can use/],
      ["done 450 card Zed Stranger", /can't find a customer called “Zed Stranger”/],
      ["/done", /Tell me the amount/],
    ] as const) {
      const before = await fingerprint();
      expect(textsOf(await say(text)), text).toMatch(answer);
      expect(await fingerprint(), text).toBe(before);
    }
    // A forged button for another owner's customer reaches nothing either.
    const before = await fingerprint();
    expect(textsOf(await press(`jd:c:${stranger.id}:500:cd`))).toMatch(/can't find that customer/);
    expect(textsOf(await press(`jd:n:${stranger.id}:500:cd`))).toMatch(/can't find that customer/);
    expect(await fingerprint()).toBe(before);
  });
});

describe("/appliance and /card", () => {
  it("adds an appliance with type, brand and install year to the named customer", async () => {
    const [reply] = await say("/appliance water heater Rheem 2015 Anna Jensen");
    expect(reply?.text).toBe("🔧 water heater added for Anna Jensen (Rheem · installed 2015).");
    const a = await w.prisma.appliance.findFirstOrThrow({ where: { customer_id: jensen.id } });
    expect(a).toMatchObject({ type: "water_heater", brand: "Rheem", model_number: null });
    expect(a.install_date?.toISOString().slice(0, 10)).toBe("2015-01-01");
    expect(await w.prisma.auditLog.count({ where: { action: "appliance.created", actor_user_id: carla.id } })).toBe(1);

    const before = await fingerprint();
    expect(textsOf(await say("/appliance furnace Carrier 2099 Anna Jensen"))).toMatch(/2099 is in the future/);
    const [which] = await say("/appliance furnace Carrier Zed Stranger");
    expect(which?.text).toBe("Which customer is it for?");
    expect(which?.buttons.map((b) => b.label)).not.toContain("Zed Stranger");
    expect(textsOf(await press(`apc:${stranger.id}`))).toMatch(/can't find that customer/);
    expect(textsOf(await say("/appliance"))).toMatch(/Tell me the appliance/);
    expect(await fingerprint()).toBe(before);
  });

  it("/card shows revenue, expenses, profit and each appliance's health, with the service buttons", async () => {
    await w.prisma.expense.create({
      data: { owner_id: carla.id, customer_id: jensen.id, amount: "30.01", incurred_at: NOW },
    });
    const [unscored] = await say("/card Anna Jensen");
    expect(unscored?.text).toContain("💰 Revenue $530.00 · expenses $30.01 · profit $499.99");
    expect(unscored?.text).toContain("🔧 Appliances (1):\n• water heater Rheem: not scored yet");
    expect(unscored?.buttons.map((b) => b.data)).toEqual(
      expect.arrayContaining([`svc:jd:${jensen.id}`, `svc:ap:${jensen.id}`]),
    );
    await w.prisma.appliance.updateMany({
      where: { customer_id: jensen.id },
      data: { health_score: 38, fail_probability: "0.3100", verdict: "replace" },
    });
    const [scored] = await say("/card Anna Jensen");
    expect(scored?.text).toContain(
      "• water heater Rheem: health 38/100, 31 % chance to fail within 12 months — replace",
    );
  });

  it("the card's buttons: Job done asks for the amount, Add appliance for the appliance", async () => {
    const [askDone] = await press(`svc:jd:${jensen.id}`);
    expect(askDone?.text).toMatch(/How much did Anna Jensen pay/);
    const [paid] = await say("120 financing");
    expect(paid?.text).toContain("$120.00 is recorded (financing)");
    expect(paid?.text).toContain("profit $619.99");

    const [askAppliance] = await press(`svc:ap:${jensen.id}`);
    expect(askAppliance?.text).toMatch(/Which appliance does Anna Jensen have/);
    const [added] = await say("boiler Viessmann V200 2010");
    expect(added?.text).toBe("🔧 boiler added for Anna Jensen (Viessmann · V200 · installed 2010).");
    expect(await w.prisma.appliance.count({ where: { customer_id: jensen.id } })).toBe(2);

    const before = await fingerprint();
    expect(textsOf(await press(`svc:ap:${stranger.id}`))).toMatch(/can't find that customer/);
    expect(await fingerprint()).toBe(before);
  });
});

describe("/opportunity TYPE NAME", () => {
  it("creates one for the contractor's own customer, enrols its sequence and names it; Danish type words too", async () => {
    await makeSequenceTemplate(w.prisma, { name: "Replacement nurture", trigger_type: "replacement" });
    const [reply] = await say("/opportunity replacement Anna Jensen");
    expect(reply?.text).toBe(
      "💡 replacement opportunity created for Anna Jensen — the “Replacement nurture” sequence is following it up.",
    );
    expect(reply?.buttons.map((b) => b.data)).toEqual([`act:card:${jensen.id}`]);
    const opp = await w.prisma.opportunity.findFirstOrThrow({ where: { customer_id: jensen.id } });
    expect(opp).toMatchObject({ opportunity_type: "replacement", source: "manual", owner_id: carla.id });
    expect(await w.prisma.nurturingSequence.count({ where: { opportunity_id: opp.id } })).toBe(1);
    expect(await w.prisma.auditLog.count({ where: { action: "opportunity.created", actor_user_id: carla.id } })).toBe(
      1,
    );

    const [danish] = await say("/opportunity vedligehold Anna Berg");
    expect(danish?.text).toMatch(/^💡 maintenance opportunity created for Anna Berg — no follow-up sequence/);
    expect(await w.prisma.opportunity.count({ where: { customer_id: berg.id, opportunity_type: "maintenance" } })).toBe(
      1,
    );
  });

  it("lists the types for an unknown one, never reaches another's customer, writes nothing on refusal", async () => {
    const before = JSON.stringify([await fingerprint(), await w.prisma.opportunity.count()]);
    expect(textsOf(await say("/opportunity roof Anna Jensen"))).toMatch(
      /“roof” is not a type of opportunity\. Use one of: replacement, code_violation, maintenance/,
    );
    expect(textsOf(await say("/opportunity replacement Zed Stranger"))).toMatch(/None of your customers is called/);
    expect(textsOf(await say("/opportunity replacement Anna"))).toMatch(/Several of your customers match/);
    expect(textsOf(await say("/opportunity"))).toMatch(/Tell me the type and whose it is/);
    expect(JSON.stringify([await fingerprint(), await w.prisma.opportunity.count()])).toBe(before);
    expect(await w.prisma.opportunity.count({ where: { customer_id: stranger.id } })).toBe(0);
  });
});
