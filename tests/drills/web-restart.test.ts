/**
 * Drill: a web process restarted during a webhook burst. Two real `main.ts web` processes (the
 * compose file's two replicas) take signed Facebook lead-ad webhooks (`POST /api/hooks/capi/lead`)
 * from a sender that, like Meta, retries a delivery that got no answer — here on the other
 * replica. Mid-burst one replica is killed with -9 and started again on its port. Afterwards
 * every acknowledged webhook's lead is there, none twice (leads are unique per source and
 * `leadgen_id`, so a retried delivery is answered `deduplicated`), every webhook was acknowledged
 * in the end, and the restarted replica answers /healthz again within RESTART_BOUND_MS.
 * Skipped without TEST_DATABASE_URL and TEST_REDIS_URL:
 *   TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres TEST_REDIS_URL=redis://127.0.0.1:6379 \
 *     npx vitest run tests/drills/web-restart.test.ts
 */
import { createHmac } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma } from "../../prisma/database.js";
import type { PrismaClient } from "../../prisma/generated/client.js";
import {
  createDrillDatabase,
  DB,
  DRILL_REDIS_DB,
  flushRedisDb,
  REDIS,
  redisDbUrl,
  type Spawned,
  spawnRole,
  stopAll,
  waitFor,
} from "./drill-support.js";

const REDIS_DB = DRILL_REDIS_DB.webRestart;
const SECRET = "drill-capi-app-secret";
const WEBHOOKS = 120;
const CONCURRENCY = 8;
/** A killed web process is serving again within this (a start takes 5–15 s on a busy 2-core machine). */
const RESTART_BOUND_MS = 30_000;
const WEB_READY = /LeadRelay \S+ \(web\) on/;

/** A free TCP port on loopback (the restarted replica must come back on the same one). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function webhookBody(i: number): string {
  return JSON.stringify({
    object: "page",
    entry: [
      {
        changes: [
          {
            field: "leadgen",
            value: {
              leadgen_id: `drill-${i}`,
              field_data: [
                { name: "service", values: ["plumbing"] },
                { name: "full_name", values: [`Drill Customer ${i}`] },
                { name: "email", values: [`drill-${i}@example.com`] },
                { name: "phone_number", values: [`+1602555${String(i).padStart(4, "0")}`] },
                { name: "zip_code", values: ["85004"] },
              ],
            },
          },
        ],
      },
    ],
  });
}

describe.skipIf(!DB || !REDIS)("a web process restarted during a webhook burst", () => {
  let database: Awaited<ReturnType<typeof createDrillDatabase>>;
  let reader: PrismaClient;
  let cwd: string;
  const webs: Spawned[] = [];

  beforeAll(async () => {
    await flushRedisDb(REDIS_DB);
    database = await createDrillDatabase("web");
    reader = createPrisma(database.url, { poolSize: 2 });
    cwd = await mkdtemp(join(tmpdir(), "leadrelay-drill-web-"));
  });

  afterAll(async () => {
    await stopAll(webs.map((w) => w.child));
    await reader?.$disconnect();
    await database?.close();
    await flushRedisDb(REDIS_DB).catch(() => {});
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it("every acknowledged webhook's lead is there, none twice; the replica is back in time", async () => {
    const ports = [await freePort(), await freePort()];
    const envFor = (port: number) => ({
      DATABASE_URL: database.url,
      REDIS_URL: redisDbUrl(REDIS_DB),
      DATA_DIR: join(cwd, "data"),
      PORT: String(port),
      HOST: "127.0.0.1",
      CAPI_APP_SECRET: SECRET,
      HOOKS_RATE_LIMIT: "0",
      ADMIN_EMAIL: "ops@example.com",
      ADMIN_PASSWORD: "correct horse battery staple",
    });
    const start = (port: number) => {
      const w = spawnRole("web", envFor(port), cwd, WEB_READY);
      webs.push(w);
      return w;
    };
    const first = ports.map(start);
    await Promise.all(first.map((w) => w.ready));

    const acked = new Set<number>();
    let delivered = 0;
    let failedTries = 0;
    /** Deliver webhook i: to one replica, and on no answer (or a 5xx) again to the other. */
    const deliver = async (i: number) => {
      const body = webhookBody(i);
      const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
      for (let attempt = 0; attempt < 200; attempt++) {
        const port = ports[(i + attempt) % 2] as number;
        try {
          const res = await fetch(`http://127.0.0.1:${port}/api/hooks/capi/lead`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-hub-signature-256": signature },
            body,
            signal: AbortSignal.timeout(10_000),
          });
          if (res.status === 200) {
            acked.add(i);
            delivered += 1;
            return;
          }
          expect(res.status, await res.text()).toBeGreaterThanOrEqual(500); // a 4xx would be a bug
        } catch {
          // connection refused or reset: the replica is down
        }
        failedTries += 1;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    let next = 0;
    const burst = Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < WEBHOOKS) await deliver(next++);
      }),
    );

    // Mid-burst, replica 0 is killed and started again on its port.
    expect(await waitFor(() => delivered >= 30, 30_000, 20)).toBe(true);
    const victim = first[0] as Spawned;
    victim.child.kill("SIGKILL");
    const killedAt = Date.now();
    await new Promise<void>((resolve) => victim.child.once("exit", () => resolve()));
    const again = start(ports[0] as number);
    await again.ready;
    const backAfterMs = Date.now() - killedAt;
    await burst;
    console.log(
      `web restart: back after ${backAfterMs} ms; ${WEBHOOKS} webhooks acknowledged, ${failedTries} tries failed and were retried`,
    );

    expect(acked.size).toBe(WEBHOOKS); // every webhook acknowledged in the end
    const rows = await reader.lead.groupBy({
      by: ["external_id"],
      where: { lead_source: "facebook_leads", external_id: { startsWith: "drill-" } },
      _count: true,
    });
    expect(rows).toHaveLength(WEBHOOKS); // each acknowledged lead is there …
    expect(rows.every((r) => r._count === 1)).toBe(true); // … once
    expect(new Set(rows.map((r) => r.external_id))).toEqual(new Set([...acked].map((i) => `drill-${i}`)));
    expect(backAfterMs).toBeLessThan(RESTART_BOUND_MS);
    const health = await fetch(`http://127.0.0.1:${ports[0]}/healthz`);
    expect(health.status).toBe(200);
  }, 90_000);
});
