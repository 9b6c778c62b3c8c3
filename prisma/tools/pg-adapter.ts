// Driver adapter plumbing for the WASM schema engine (see schema-engine.ts).
//
// @prisma/adapter-pg 7.10 needs three fixes before the schema engine can use it:
// 1. It rejects PostgreSQL's one-byte `"char"` type (OID 18), which the engine's schema
//    describer reads from pg_catalog (pg_constraint.contype, …). Every diff that introspects a
//    database (migrations → shadow, schemaDatasource) then fails with "Column type 'char' could
//    not be deserialized". We report those columns as Text to adapter-pg, tagging the column
//    name, and then re-type them as `Character`, which the describer expects.
// 2. Its `executeScript` splits the script on every ";" (breaking `$$ … $$` bodies and string
//    literals) and runs the pieces one by one. The native engine sends a migration as one
//    simple-protocol query: one implicit transaction. We do the same.
// 3. A schema other than public: the native engine sets search_path from `?schema=`; here see
//    wrapQueryable and qualifyMigrationsTable.
import { userInfo } from "node:os";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  ColumnTypeEnum,
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQueryable,
  type SqlResultSet,
} from "@prisma/driver-adapter-utils";
import pg from "pg";

const CHAR_OID = 18;
const TEXT_OID = 25;
const CHAR_TAG = "\u0000char";

/** Double-quotes a PostgreSQL identifier. */
export const quoteIdent = (s: string): string => `"${s.replaceAll('"', '""')}"`;

type QueryFn = (...args: unknown[]) => unknown;
type Callback = (err: unknown, res: unknown) => void;
type FieldLike = { name: string; dataTypeID: number };

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "postgres";
  }
}

/** Parsed connection settings: a pg-ready URL and the PostgreSQL schema to work in. */
export interface PgTarget {
  url: string;
  schema: string;
}

/** Normalises a URL: adds the OS user when none is given (as libpq does; pg would send none) and moves `?schema=` out. */
export function pgTarget(url: string, schema?: string): PgTarget {
  const u = new URL(url);
  if (!u.username) u.username = process.env.PGUSER ?? process.env.USER ?? osUser();
  const fromUrl = u.searchParams.get("schema");
  u.searchParams.delete("schema");
  return { url: u.toString(), schema: schema ?? fromUrl ?? "public" };
}

function tagCharFields(result: unknown): unknown {
  for (const r of Array.isArray(result) ? result : [result]) {
    const fields = (r as { fields?: FieldLike[] } | undefined)?.fields ?? [];
    for (const f of fields) {
      if (f.dataTypeID !== CHAR_OID) continue;
      f.dataTypeID = TEXT_OID;
      f.name += CHAR_TAG;
    }
  }
  return result;
}

const MIGRATIONS_TABLE = /(^|[^."\w])"?_prisma_migrations"?(?![\w"])/g;

/** Qualifies the engine's `_prisma_migrations` references, the only names it leaves unqualified. */
export function qualifyMigrationsTable(sql: string, schema: string): string {
  if (schema === "public") return sql;
  return sql.replace(MIGRATIONS_TABLE, `$1${quoteIdent(schema)}."_prisma_migrations"`);
}

// Wraps client.query: results get their "char" columns tagged; SQL gets `_prisma_migrations`
// qualified with the target schema.
function patchClientQuery(client: pg.PoolClient, schema: string): void {
  const query = client.query.bind(client) as QueryFn;
  const patched: QueryFn = (first, ...rest) => {
    const text = typeof first === "string" ? first : (first as { text?: unknown }).text;
    const qualified = typeof text === "string" ? qualifyMigrationsTable(text, schema) : text;
    const args = [typeof first === "string" ? qualified : { ...(first as object), text: qualified }, ...rest];
    const last = args.at(-1);
    if (typeof last === "function") {
      const cb = last as Callback;
      return query(...args.slice(0, -1), (err: unknown, res: unknown) => cb(err, res && tagCharFields(res)));
    }
    const res = query(...args);
    return res instanceof Promise ? res.then(tagCharFields) : res;
  };
  (client as unknown as { query: QueryFn }).query = patched;
}

const openPools = new Set<pg.Pool>();

/** Ends every pool opened by this module that the engine did not dispose of itself. */
export async function endPools(): Promise<void> {
  const pools = [...openPools];
  openPools.clear();
  await Promise.all(pools.filter((p) => !p.ended).map((p) => p.end()));
}

/** A pg.Pool whose connections report `"char"` columns in a form adapter-pg accepts. */
export function createPool(target: PgTarget, max = 4): pg.Pool {
  const pool = new pg.Pool({ connectionString: target.url, max, idleTimeoutMillis: 1000, allowExitOnIdle: true });
  pool.on("connect", (client) => patchClientQuery(client, target.schema));
  pool.on("error", () => {}); // idle-client errors surface on the next query instead
  openPools.add(pool);
  return pool;
}

function retypeCharColumns(rs: SqlResultSet): SqlResultSet {
  rs.columnNames = rs.columnNames.map((name, i) => {
    if (!name.endsWith(CHAR_TAG)) return name;
    rs.columnTypes[i] = ColumnTypeEnum.Character;
    return name.slice(0, -CHAR_TAG.length);
  });
  return rs;
}

function toAdapterError(error: unknown): unknown {
  if (!(error instanceof pg.DatabaseError)) return error;
  const { code = "", severity = "ERROR", message, detail, column, hint } = error;
  return new DriverAdapterError({ kind: "postgres", code, severity, message, detail, column, hint });
}

// Non-public schemas without a session-level search_path (on a PGlite server all clients share
// one session, so a SET would leak into every other client): the engine's catalog queries take the
// adapter's schema name, `_prisma_migrations` is qualified in patchClientQuery, and migration
// scripts (unqualified CREATE TABLE …) run after a SET LOCAL in their own implicit transaction.
function wrapQueryable<T extends SqlQueryable>(inner: T, pool?: pg.Pool, schema = "public"): T {
  const searchPath = schema === "public" ? "" : `SET LOCAL search_path TO ${quoteIdent(schema)};\n`;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop === "queryRaw") {
        return async (query: Parameters<SqlQueryable["queryRaw"]>[0]) =>
          retypeCharColumns(await target.queryRaw(query));
      }
      if (prop === "startTransaction" && pool) {
        const adapter = target as unknown as SqlDriverAdapter;
        return async (...args: Parameters<SqlDriverAdapter["startTransaction"]>) =>
          wrapQueryable(await adapter.startTransaction(...args));
      }
      if (prop === "executeScript" && pool) {
        return async (script: string) => {
          await pool.query(`${searchPath}${script}`).catch((e: unknown) => {
            throw toAdapterError(e);
          });
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Opens an adapter-pg connection on a patched pool; the pool is ended when the engine disposes it. */
export async function connectAdapter(target: PgTarget, setup?: string): Promise<SqlDriverAdapter> {
  const pool = createPool(target);
  if (setup) await pool.query(setup);
  const factory = new PrismaPg(pool, { schema: target.schema, disposeExternalPool: true });
  return wrapQueryable(await factory.connect(), pool, target.schema);
}

/** A migration-aware factory: `connect` opens the main database, `connectToShadowDb` the shadow. */
export function migrationAwareFactory(
  main: () => Promise<SqlDriverAdapter>,
  shadow: () => Promise<SqlDriverAdapter>,
): SqlMigrationAwareDriverAdapterFactory {
  return { provider: "postgres", adapterName: "@prisma/adapter-pg", connect: main, connectToShadowDb: shadow };
}
