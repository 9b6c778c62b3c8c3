/**
 * One process holds a WhatsApp number at a time. Two sockets on one number log each other out,
 * so with several bot processes (scaled mode, or a rolling restart) the WhatsApp session is
 * behind a PostgreSQL session advisory lock, held on a connection of its own:
 * - the process that gets it connects WhatsApp (and sends the outbox's WhatsApp rows);
 * - the others log one line naming the holder and try again every `retryMs` (2 s);
 * - when the holder dies its connection closes and PostgreSQL frees the lock, so a waiting
 *   process gets it within `retryMs` and connects one `retryMs` later (the grace a holder that
 *   merely lost its lock connection needs to notice and stop): takeover within 2 × `retryMs`;
 * - a holder whose lock connection drops (database restarted, `pg_terminate_backend`) stops its
 *   socket at once — it no longer knows it is alone — and goes back to waiting.
 * The embedded database has one server per data folder already, so there is nothing to lock.
 */
import { hostname } from "node:os";
import pg from "pg";
import type { CoreLog } from "../../core/context.js";

/** How often a waiting process tries for the lock, and the holder checks its lock connection. */
const WHATSAPP_LOCK_RETRY_MS = 2_000;

export interface LeaderLockOptions {
  databaseUrl: string;
  /** The WhatsApp session (one paired number): the lock is per session. */
  sessionId: string;
  log: Pick<CoreLog, "info" | "warn">;
  retryMs?: number;
  /** Start what only the holder runs; returns its stop. */
  lead: () => Promise<() => Promise<void>>;
}

export interface LeaderLock {
  /** Whether this process holds the number right now. */
  holding(): boolean;
  /** Stop leading (if it was) and release the lock; the next waiting process takes over. */
  stop(): Promise<void>;
}

/** The lock's name; its key is `hashtextextended(name, 0)` (a bigint, like the start-up lock's). */
export function whatsappLockName(sessionId: string): string {
  return `leadrelay:whatsapp:${sessionId}`;
}

/** Hold the WhatsApp lock while running; see the file comment. Returns at once (the loop runs on). */
export function holdWhatsappLock(opts: LeaderLockOptions): LeaderLock {
  const retryMs = opts.retryMs ?? WHATSAPP_LOCK_RETRY_MS;
  const name = whatsappLockName(opts.sessionId);
  let stopped = false;
  let client: pg.Client | null = null;
  let stopLead: (() => Promise<void>) | null = null;
  let toldWaiting = false;
  let wake: () => void = () => {};
  /** One step at a time: the loop's ticks and a lost connection's clean-up never interleave. */
  let chain: Promise<unknown> = Promise.resolve();
  const serial = (fn: () => Promise<void>) => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => {});
    return next;
  };

  /**
   * The lock connection is gone (or unusable): stop leading first, then drop the connection (not
   * awaited: ending a connection the server already closed may never settle).
   */
  const lose = async (reason: string) => {
    const was = client;
    client = null;
    if (stopLead) {
      const stop = stopLead;
      stopLead = null;
      opts.log.warn(`whatsapp: lost the session lock (${reason}); WhatsApp stopped here, trying to take it again`);
      await stop().catch((err) => opts.log.warn("whatsapp: stopping after a lost lock failed", err));
    }
    void was?.end().catch(() => {});
  };

  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({
      connectionString: opts.databaseUrl,
      application_name: `leadrelay-bot ${hostname()} pid ${process.pid}`,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    const onLost = (err?: Error) => {
      if (client !== c) return;
      void serial(() => lose(err?.message ?? "database connection closed"));
      wake();
    };
    c.on("error", onLost);
    c.on("end", () => onLost());
    await c.connect();
    client = c;
    return c;
  };

  const tick = async () => {
    if (stopped) return;
    try {
      const c = client ?? (await connect());
      if (stopLead) {
        await c.query("SELECT 1"); // the heartbeat: a dead lock connection is noticed here at the latest
        return;
      }
      const got = await c.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok", [name]);
      if (!got.rows[0]?.ok) {
        if (!toldWaiting) {
          toldWaiting = true;
          opts.log.info(
            `whatsapp: ${await holderOf(c, name)} holds this WhatsApp number; waiting to take over ` +
              `(checking every ${retryMs / 1000} s)`,
          );
        }
        return;
      }
      toldWaiting = false;
      // A holder whose lock connection was cut notices within one interval (its heartbeat) and
      // stops its socket; wait that long before opening ours, so two never overlap.
      await sleep(retryMs);
      if (stopped || client !== c) {
        await lose("stopping");
        return;
      }
      opts.log.info("whatsapp: this process holds the WhatsApp number");
      try {
        stopLead = await opts.lead();
      } catch (err) {
        opts.log.warn("whatsapp: starting failed; releasing the lock", err);
        await lose("start failed");
      }
      if (stopped) await lose("stopping");
    } catch (err) {
      await lose((err as Error)?.message ?? String(err));
    }
  };

  const loop = (async () => {
    while (!stopped) {
      await serial(tick);
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, retryMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  })();

  return {
    holding: () => stopLead !== null,
    async stop() {
      stopped = true;
      wake();
      await loop;
      await serial(async () => {
        const stop = stopLead;
        stopLead = null;
        await stop?.();
        const was = client;
        client = null;
        await was?.end().catch(() => {}); // closing the session releases the lock
      });
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** "another bot process (leadrelay-bot host pid 12, since …)" for the waiting line. */
async function holderOf(c: pg.Client, name: string): Promise<string> {
  const r = await c
    .query<{ app: string | null; pid: number }>(
      `SELECT a.application_name AS app, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0) LIMIT 1`,
      [name],
    )
    .catch(() => ({ rows: [] as Array<{ app: string | null; pid: number }> }));
  const row = r.rows[0];
  if (!row) return "another bot process";
  return `another bot process (${row.app || "no application_name"}, PostgreSQL pid ${row.pid})`;
}
