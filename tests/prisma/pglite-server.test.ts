/**
 * The embedded wire server shares PGlite's one session among its connections; prepared statement
 * names are per session in PostgreSQL, so the server gives each connection's names a prefix of
 * its own: two connections may prepare the same name with different SQL, and a closed
 * connection's statements are deallocated.
 */
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namespaceStatements, type PGliteServer, servePGlite } from "../../prisma/pglite-server.js";

let db: PGlite;
let server: PGliteServer;

beforeAll(async () => {
  db = await PGlite.create("memory://");
  server = await servePGlite(db);
});
afterAll(async () => {
  await server?.stop();
  await db?.close();
});

const connect = async () => {
  const c = new pg.Client({ host: server.host, port: server.port, user: "postgres", database: "postgres" });
  await c.connect();
  return c;
};

describe("prepared statements on the embedded server", () => {
  it("lets two connections prepare the same name with different SQL, and drops a closed one's", async () => {
    const a = await connect();
    const b = await connect();
    const one = await a.query({ name: "hot", text: "SELECT $1::int + 1 AS v", values: [1] });
    const two = await b.query({ name: "hot", text: "SELECT $1::int * 10 AS v", values: [4] });
    expect([one.rows[0].v, two.rows[0].v]).toEqual([2, 40]);
    // Again, now from the prepared statements (pg sends only Bind/Execute for a name it parsed).
    expect((await a.query({ name: "hot", text: "SELECT $1::int + 1 AS v", values: [9] })).rows[0].v).toBe(10);
    expect((await b.query({ name: "hot", text: "SELECT $1::int * 10 AS v", values: [9] })).rows[0].v).toBe(90);
    const names = async () =>
      (await b.query("SELECT name FROM pg_prepared_statements ORDER BY name")).rows.map((r) => r.name as string);
    expect(await names()).toHaveLength(2);
    await a.end();
    await expect.poll(names).toHaveLength(1);
    await b.end();
  });

  it("renames named statements in Parse, Bind, Describe and Close, and leaves the unnamed one alone", () => {
    const msg = (type: string, ...parts: Array<string | Buffer>) => {
      const body = Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(`${p}\0`) : p)));
      const head = Buffer.alloc(5);
      head.write(type, 0, "latin1");
      head.writeInt32BE(body.length + 4, 1);
      return Buffer.concat([head, body]);
    };
    const params = Buffer.from([0, 0]);
    const input = Buffer.concat([
      msg("P", "s1", "SELECT 1", params),
      msg("B", "", "s1", Buffer.from([0, 0, 0, 0, 0, 0])),
      msg("D", Buffer.from("S"), "s1"),
      msg("P", "", "SELECT 2", params),
      msg("C", Buffer.from("S"), "s1"),
      msg("S"),
    ]);
    const prepared = new Set<string>();
    const out = namespaceStatements(input, "c7_", prepared);
    expect(out).toEqual(
      Buffer.concat([
        msg("P", "c7_s1", "SELECT 1", params),
        msg("B", "", "c7_s1", Buffer.from([0, 0, 0, 0, 0, 0])),
        msg("D", Buffer.from("S"), "c7_s1"),
        msg("P", "", "SELECT 2", params),
        msg("C", Buffer.from("S"), "c7_s1"),
        msg("S"),
      ]),
    );
    expect([...prepared]).toEqual([]); // parsed, then closed
    const unnamed = Buffer.concat([msg("P", "", "SELECT 3", params), msg("S")]);
    expect(namespaceStatements(unnamed, "c7_", prepared)).toBe(unnamed);
  });
});
