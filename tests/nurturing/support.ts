/**
 * Helpers for the nurturing tests. `fire`/`advance` dispatch due wake-ups to the nurturing
 * handler first and then to core/wakeups.ts, so the tests work before and after the
 * integrator adds `handleNurturingWakeup` to `handleWakeup` (a key is handled once either way).
 */
import Fastify, { type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { installErrorHandlers } from "../../admin/api/errors.js";
import { nurturingRoutes } from "../../admin/api/nurturing.routes.js";
import { trackingRoutes } from "../../admin/api/tracking.routes.js";
import { handleNurturingWakeup } from "../../core/nurturing/deadlines.js";
import { handleWakeup } from "../../core/wakeups.js";
import type { Customer, Prisma, User } from "../../prisma/generated/client.js";
import type { TestWorld } from "../support/deps.js";
import { makeContractor, makeCustomer } from "../support/factories.js";

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
/** Monday 2026-01-05 10:00 in Phoenix (UTC−7, no DST). */
export const PHOENIX_MORNING = new Date("2026-01-05T17:00:00.000Z");

/** Fire every wake-up due now (and those the handlers re-arm for now), like the scheduler would. */
export async function fire(w: TestWorld): Promise<string[]> {
  const fired: string[] = [];
  for (let round = 0; round < 10; round++) {
    const keys = w.scheduler.takeDue(w.clock.now());
    if (keys.length === 0) break;
    for (const key of keys) if (!(await handleNurturingWakeup(w.deps, key))) await handleWakeup(w.deps, key);
    fired.push(...keys);
  }
  return fired;
}

/** Move the fake clock and fire what fell due. */
export async function advance(w: TestWorld, ms: number): Promise<string[]> {
  w.clock.advance(ms);
  return fire(w);
}

/** Jump the fake clock to `at` (forward) and fire what fell due. */
export async function advanceTo(w: TestWorld, at: Date): Promise<string[]> {
  w.clock.set(at);
  return fire(w);
}

/** A contractor with a linked sandbox chat (so notices reach them) and one customer of theirs in Phoenix. */
export async function contractorAndCustomer(
  w: TestWorld,
  customer: Partial<Prisma.CustomerUncheckedCreateInput> = {},
): Promise<{ contractor: User; customer: Customer }> {
  const contractor = await makeContractor(w.prisma, { company_name: "Desert Breeze HVAC" });
  await w.prisma.channelIdentity.create({
    data: { channel: "sandbox", address: `chat-${contractor.id}`, user_id: contractor.id },
  });
  const c = await makeCustomer(w.prisma, {
    owner_id: contractor.id,
    name: "Anna Jensen",
    timezone: "America/Phoenix",
    preferred_contact_method: "sms",
    ...customer,
  });
  return { contractor, customer: c };
}

let templates = 0;

/** A template of `steps` (platform-owned unless `owner_id` is given). */
export async function template(
  w: TestWorld,
  steps: Array<Record<string, unknown>>,
  extra: Partial<Prisma.SequenceTemplateUncheckedCreateInput> = {},
) {
  return w.prisma.sequenceTemplate.create({
    data: {
      name: `test template ${++templates}`,
      trigger_type: "test",
      steps: steps as Prisma.InputJsonValue,
      ...extra,
    },
  });
}

/** Outbox rows of one sequence's steps, in step order. */
export async function stepMessages(w: TestWorld, sequenceId: string) {
  const rows = await w.prisma.outboundMessage.findMany({
    where: { sequence_event: { sequence_id: sequenceId } },
    include: { sequence_event: true },
  });
  return rows.sort((a, b) => (a.sequence_event?.step_number ?? 0) - (b.sequence_event?.step_number ?? 0));
}

/** Notices queued to a user, oldest first. */
export async function noticesTo(w: TestWorld, userId: string, kind?: string) {
  return w.prisma.outboundMessage.findMany({
    where: { user_id: userId, ...(kind ? { kind } : {}) },
    orderBy: { created_at: "asc" },
  });
}

/** The nurturing and tracking routes on a bare app (admin/app.ts is wired by the integrator). */
export async function nurturingApp(w: TestWorld): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app);
  await app.register(nurturingRoutes(w.deps), { prefix: "/api" });
  await app.register(trackingRoutes(w.deps));
  await app.ready();
  return app;
}
