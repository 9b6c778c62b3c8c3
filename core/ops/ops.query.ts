/**
 * Operations read models for the panel: job health (from `job_runs`) and the audit log.
 * `recordJobRun` is the write side: a scheduled job wraps its run in it.
 */
import type { ActorKind } from "../audit.js";
import type { CoreDeps } from "../context.js";
import type { Prisma } from "../db.js";

/** How often each known job should run (ms); a job is late after twice that without a start. */
export function jobSchedules(deps: CoreDeps): Record<string, number> {
  return { reconcile: deps.config.reconcileEveryMs };
}

/** Jobs not in jobSchedules are late after this long without a start. */
export const DEFAULT_JOB_EVERY_MS = 60 * 60_000;

export type JobState = "ok" | "running" | "failed" | "late" | "never";

/** Job health: each job's last start/finish/error, run count and state; late = no start within 2× its interval. */
export async function jobHealth(deps: CoreDeps) {
  const now = deps.clock.now().getTime();
  const schedules = jobSchedules(deps);
  const rows = await deps.prisma.jobRun.findMany({ orderBy: { name: "asc" } });
  const names = new Set([...Object.keys(schedules), ...rows.map((r) => r.name)]);
  return [...names].sort().map((name) => {
    const r = rows.find((x) => x.name === name);
    const every = schedules[name] ?? DEFAULT_JOB_EVERY_MS;
    const started = r?.last_started_at?.getTime() ?? null;
    const finished = r?.last_finished_at?.getTime() ?? null;
    const late = started === null || now - started > 2 * every;
    let state: JobState = "ok";
    if (!r || started === null) state = "never";
    else if (late) state = "late";
    else if (r.last_error) state = "failed";
    else if (finished === null || finished < started) state = "running";
    return {
      name,
      everyMs: every,
      lastStartedAt: r?.last_started_at ?? null,
      lastFinishedAt: r?.last_finished_at ?? null,
      lastError: r?.last_error ?? null,
      runCount: r?.run_count ?? 0,
      late,
      state,
    };
  });
}

/** Run a scheduled job and record its start, finish, error and count in `job_runs`. */
export async function recordJobRun<T>(deps: CoreDeps, name: string, run: () => Promise<T>): Promise<T> {
  const startedAt = deps.clock.now();
  await deps.prisma.jobRun.upsert({
    where: { name },
    create: { name, last_started_at: startedAt, run_count: 1 },
    update: { last_started_at: startedAt, run_count: { increment: 1 } },
  });
  try {
    const out = await run();
    await deps.prisma.jobRun.update({
      where: { name },
      data: { last_finished_at: deps.clock.now(), last_error: null },
    });
    return out;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await deps.prisma.jobRun.update({
      where: { name },
      data: { last_finished_at: deps.clock.now(), last_error: message.slice(0, 2000) },
    });
    throw err;
  }
}

export const AUDIT_PER_PAGE = 50;

/**
 * The audit log, newest first, by entity type, entity id, actor kind (the typed ActorKind) and
 * actor (a user's e-mail or id).
 */
export async function listAudit(
  deps: CoreDeps,
  f: { entity?: string; entityId?: string; kind?: ActorKind; actor?: string; page: number },
  perPage = AUDIT_PER_PAGE,
) {
  const where: Prisma.AuditLogWhereInput = {};
  if (f.entity) where.entity_type = f.entity;
  if (f.entityId) where.entity_id = f.entityId;
  if (f.kind) where.actor_kind = f.kind;
  if (f.actor) {
    where.OR = [
      { actor: { email: { equals: f.actor, mode: "insensitive" } } },
      ...(/^[0-9a-f-]{36}$/i.test(f.actor) ? [{ actor_user_id: f.actor }] : []),
    ];
  }
  const [total, rows, entities] = await Promise.all([
    deps.prisma.auditLog.count({ where }),
    deps.prisma.auditLog.findMany({
      where,
      orderBy: [{ created_at: "desc" }, { id: "asc" }],
      skip: (f.page - 1) * perPage,
      take: perPage,
      include: { actor: { select: { id: true, name: true, email: true } } },
    }),
    deps.prisma.auditLog.findMany({
      distinct: ["entity_type"],
      select: { entity_type: true },
      orderBy: { entity_type: "asc" },
    }),
  ]);
  return {
    rows,
    total,
    entities: entities.map((e) => e.entity_type),
    page: f.page,
    perPage,
    pages: Math.max(1, Math.ceil(total / perPage)),
  };
}
