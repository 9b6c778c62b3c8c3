import type { CoreDeps } from "./context.js";
import type { Prisma } from "./db.js";
import { type Failure, FailureError, type Result } from "./errors.js";
import { isUuid } from "./ids.js";

/** One use case's view of its transaction: the client, the time it runs at, wake-ups to set. */
export interface TxCtx {
  tx: Prisma.TransactionClient;
  now: Date;
  /** Ask the scheduler to wake `key` at `when` once the transaction has committed. */
  wake(key: string, when: Date): void;
}

/**
 * Run a use case in one transaction. A returned Failure rolls everything back (nothing
 * half-written); wake-ups are handed to the scheduler only after commit. A scheduler error is
 * logged, not fatal: the deadline is a column and the reconciler will find it.
 */
export async function transact<T>(deps: CoreDeps, fn: (c: TxCtx) => Promise<Result<T>>): Promise<Result<T>> {
  const wakes: Array<[string, Date]> = [];
  const now = deps.clock.now();
  let result: Result<T>;
  try {
    result = await deps.prisma.$transaction(
      async (tx) => {
        const r = await fn({ tx, now, wake: (key, when) => wakes.push([key, when]) });
        if (!r.ok) throw new FailureError(r);
        return r;
      },
      { timeout: 30_000, maxWait: 30_000 },
    );
  } catch (err) {
    if (err instanceof FailureError) return err.failure as Failure;
    throw err;
  }
  for (const [key, when] of wakes) {
    await deps.scheduler.at(key, when).catch((err: unknown) => deps.log.warn(`scheduler.at(${key}) failed`, err));
  }
  return result;
}

/** Take the row lock of a lead, so every change to one lead happens one at a time. */
export async function lockLead(tx: Prisma.TransactionClient, leadId: string): Promise<boolean> {
  if (!isUuid(leadId)) return false;
  const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM leads WHERE id = ${leadId}::uuid FOR UPDATE`;
  return rows.length === 1;
}
