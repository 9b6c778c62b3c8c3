import type { ApiScope } from "../../../core/accounts/api-key.service.js";
import { contractorActor } from "../../../core/audit.js";
import { whichCustomer } from "../../../core/crm/current-customer.js";
import { ownedCustomer } from "../../../core/crm/owned.js";
import { contractorLeadBoard } from "../../../core/marketplace/contractor-board.js";
import { fromCents } from "../../../core/money.js";
import { type DoneJob, openJobsOf, recordJobDone } from "../../../core/service/job-done.service.js";
import type { PaymentMethod } from "../../../prisma/generated/client.js";
import { ACT_PREFIX } from "../agenda.js";
import { MAX_AMOUNT_CENTS } from "../amount.js";
import { awaitUntil } from "../context.js";
import { formatMoney } from "../i18n.js";
import { methodCode, methodOfCode, parseDoneWords } from "../service-words.js";
import type { ChatContext, Feature } from "../types.js";
import { addAppliance } from "./appliance.js";
import { activeUser, isChoice, isCommand, isPlainText } from "./match.js";
import { profitLine, SERVICE_PREFIX } from "./service-lines.js";
import { windowReply } from "./window.js";

/** `jd:<c|j|n>:<customer or job id>:<cents>:<method code>` — the buttons of "done". */
const DONE_PREFIX = "jd:";
/** The question's marker for "the next text is for this command" (see `serviceAnswer`). */
const ASK = { done: "svc:jd:", appliance: "svc:ap:" } as const;
const LABEL_CHARS = 40;
const DONE_WORDS = /^(?:done|finished|completed|færdig|udført)\s+(.+)$/is;

const own = (ownerId: string): ApiScope => ({ kind: "contractor", ownerId });
const short = (s: string) => ([...s].length > LABEL_CHARS ? `${[...s].slice(0, LABEL_CHARS - 1).join("")}…` : s);
const money = (ctx: ChatContext, v: string | number) => formatMoney(v, ctx.lang);

/** A contractor with an open response window: unclaimed plain text answers the customer. */
async function hasOpenWindow(ctx: ChatContext, userId: string, role: string): Promise<boolean> {
  return role === "contractor" && (await contractorLeadBoard(ctx.deps, userId)).windows.length > 0;
}

/** Record the job done and the payment, and say what happened (with the customer's profit so far). */
async function recordDone(
  ctx: ChatContext,
  userId: string,
  customer: { id: string; name: string },
  cents: number,
  method: PaymentMethod | null,
  job: DoneJob,
): Promise<void> {
  const amount = fromCents(cents);
  if (job === "auto") {
    const open = await openJobsOf(ctx.deps, own(userId), customer.id);
    if (!open.ok) return void ctx.reply(ctx.t("crm.customer_gone"));
    if (open.value.length > 1) {
      const tail = `${cents}:${methodCode(method)}`;
      ctx.reply(ctx.t("service.pick_job", { customer: customer.name, count: open.value.length }), {
        buttons: [
          ...open.value.map((j) => ({ label: short(j.title), data: `${DONE_PREFIX}j:${j.id}:${tail}` })),
          { label: ctx.t("service.new_job_button"), data: `${DONE_PREFIX}n:${customer.id}:${tail}` },
        ],
        about: { customerId: customer.id },
      });
      return;
    }
  }
  const r = await recordJobDone(
    ctx.deps,
    own(userId),
    { customer_id: customer.id, amount, payment_method: method, job },
    contractorActor(userId),
  );
  if (!r.ok) {
    const gone = r.code === "NOT_FOUND" || r.code === "CONFLICT";
    return void ctx.reply(ctx.t(gone ? "service.job_gone" : "service.done_usage"));
  }
  const vars = {
    customer: customer.name,
    job: r.value.job.title,
    amount: money(ctx, amount),
    method: ctx.t(`service.method.${method ?? "none"}`),
  };
  const lines = [ctx.t(r.value.created ? "service.done_created" : "service.done_completed", vars)];
  const profit = await profitLine(ctx, userId, customer.id);
  if (profit) lines.push(profit);
  ctx.reply(lines.join("\n"), {
    buttons: [{ label: ctx.t("crm.card_button"), data: `${ACT_PREFIX}card:${customer.id}` }],
    about: { customerId: customer.id },
  });
}

/**
 * "done 450 card Anna": whose job (the named customer, else the conversation in progress — the
 * one rule of core/crm/current-customer.ts, own customers only), then recordDone. Several
 * customers match → a button each, the amount and method riding in the button.
 */
async function done(ctx: ChatContext, words: string, fromPlainText: boolean): Promise<void> {
  const user = activeUser(ctx);
  if (!user) return;
  const max = money(ctx, MAX_AMOUNT_CENTS / 100);
  const parsed = parseDoneWords(words);
  if (parsed === null) return void ctx.reply(ctx.t("service.done_usage"));
  if ("bad" in parsed) {
    if (fromPlainText && (await hasOpenWindow(ctx, user.id, user.role))) return windowReply.handle(ctx);
    return void ctx.reply(ctx.t("service.bad_amount", { input: [...parsed.bad].slice(0, 20).join(""), max }));
  }
  const meant = await whichCustomer(ctx.deps, user.id, parsed.name);
  if (meant.kind === "one") return recordDone(ctx, user.id, meant.customer, parsed.cents, parsed.method, "auto");
  if (meant.kind === "ask") {
    const tail = `${parsed.cents}:${methodCode(parsed.method)}`;
    return void ctx.reply(
      parsed.name
        ? ctx.t("crm.pick_customer", { name: parsed.name, count: meant.candidates.length })
        : ctx.t("service.pick_customer"),
      { buttons: meant.candidates.map((h) => ({ label: short(h.name), data: `${DONE_PREFIX}c:${h.id}:${tail}` })) },
    );
  }
  if (fromPlainText && (await hasOpenWindow(ctx, user.id, user.role))) return windowReply.handle(ctx);
  ctx.reply(meant.kind === "unknown" ? ctx.t("crm.no_customer", { name: meant.name }) : ctx.t("service.done_usage"));
}

/** `/done 450 card Anna` (or `/done` alone: how to use it). */
export const doneCommand: Feature = {
  name: "service.done",
  match: (ctx) => isCommand(ctx, "done"),
  handle: (ctx) => done(ctx, ctx.command?.args ?? "", false),
};

/**
 * Plain text "done 450 card Anna" (also "finished …", Danish "færdig …"). Not an explicit reply
 * to a message (that answers a customer); with a response window open, text this cannot place
 * (no amount, no such customer) still goes to the customer.
 */
export const doneText: Feature = {
  name: "service.done_text",
  match: (ctx) => activeUser(ctx) !== null && isPlainText(ctx) && !ctx.msg.replyTo && DONE_WORDS.test(ctx.text),
  handle: (ctx) => done(ctx, DONE_WORDS.exec(ctx.text)?.[1] ?? "", true),
};

/** The buttons of "done": which customer (`c`), which open job (`j`) or a new job (`n`). */
export const doneButton: Feature = {
  name: "service.done_button",
  match: (ctx) => isChoice(ctx, DONE_PREFIX),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const [, kind = "", id = "", centsText = "", code = ""] = (ctx.msg.choice ?? "").split(":");
    const cents = Number(centsText);
    if (!Number.isInteger(cents) || cents <= 0 || cents > MAX_AMOUNT_CENTS) {
      return void ctx.reply(ctx.t("common.button_unknown"));
    }
    const method = methodOfCode(code);
    if (kind === "j") {
      const job = await ctx.deps.prisma.job.findFirst({
        where: { id, owner_id: user.id },
        select: { id: true, customer: { select: { id: true, name: true } } },
      });
      if (!job) return void ctx.reply(ctx.t("service.job_gone"));
      return recordDone(ctx, user.id, job.customer, cents, method, { jobId: job.id });
    }
    if (kind !== "c" && kind !== "n") return void ctx.reply(ctx.t("common.button_unknown"));
    const customer = await ownedCustomer(ctx.deps.prisma, own(user.id), id);
    if (!customer) return void ctx.reply(ctx.t("crm.customer_gone"));
    await recordDone(ctx, user.id, customer, cents, method, kind === "n" ? "new" : "auto");
  },
};

/** The card's buttons: "Job done" asks for the amount, "Add appliance" for the appliance. */
export const serviceButton: Feature = {
  name: "service.button",
  match: (ctx) => isChoice(ctx, SERVICE_PREFIX),
  async handle(ctx) {
    const user = activeUser(ctx);
    if (!user) return;
    const [, op = "", id = ""] = (ctx.msg.choice ?? "").split(":");
    if (op !== "jd" && op !== "ap") return void ctx.reply(ctx.t("common.button_unknown"));
    const customer = await ownedCustomer(ctx.deps.prisma, own(user.id), id);
    if (!customer) return void ctx.reply(ctx.t("crm.customer_gone"));
    const command = `${op === "jd" ? ASK.done : ASK.appliance}${customer.id}`;
    ctx.reply(ctx.t(op === "jd" ? "service.ask_done" : "service.ask_appliance", { customer: customer.name }), {
      awaiting: { type: "command_args", command, until: awaitUntil(ctx.now) },
      about: { customerId: customer.id },
    });
  },
};

/** The words the card's buttons asked for ("450 card", "water heater Rheem 2015"), for that customer. */
export const serviceAnswer: Feature = {
  name: "service.answer",
  match: (ctx) =>
    ctx.awaiting?.type === "command_args" &&
    isPlainText(ctx) &&
    (ctx.awaiting.command.startsWith(ASK.done) || ctx.awaiting.command.startsWith(ASK.appliance)),
  async handle(ctx) {
    const user = activeUser(ctx);
    const command = ctx.awaiting?.type === "command_args" ? ctx.awaiting.command : "";
    if (!user) return;
    const isDone = command.startsWith(ASK.done);
    const id = command.slice((isDone ? ASK.done : ASK.appliance).length);
    const customer = await ownedCustomer(ctx.deps.prisma, own(user.id), id);
    if (!customer) return void ctx.reply(ctx.t("crm.customer_gone"));
    if (!isDone) return addAppliance(ctx, user.id, customer, ctx.text.slice(0, 300));
    const parsed = parseDoneWords(ctx.text);
    if (parsed === null || "bad" in parsed) {
      const input = parsed && "bad" in parsed ? parsed.bad : ctx.text;
      const max = money(ctx, MAX_AMOUNT_CENTS / 100);
      return void ctx.reply(ctx.t("service.bad_amount", { input: [...input].slice(0, 20).join(""), max }));
    }
    await recordDone(ctx, user.id, customer, parsed.cents, parsed.method, "auto");
  },
};
