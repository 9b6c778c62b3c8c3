/**
 * A PostgreSQL wire-protocol server in front of one PGlite instance, replacing
 * `PGLiteSocketServer` from @electric-sql/pglite-socket 0.2.17, whose multiplexer interleaves
 * the messages of concurrent extended-protocol queries (Parse/Bind/Execute/Sync) from different
 * connections in PGlite's single session ("portal \"\" does not exist", or another connection's
 * statement bound: upstream issue electric-sql/pglite#1046, still open).
 *
 * Here a connection owns the session from its first message until PGlite reports ReadyForQuery
 * with status idle ('I'): a whole query, or a whole transaction. Everything else waits its turn.
 * Session state (SET, search_path, temp tables) stays shared — except prepared statement names:
 * each connection's are renamed with a prefix of its own (namespaceStatements), so two
 * connections preparing "s1" never collide, and a closed connection's are deallocated.
 */
import { chmodSync, rmSync } from "node:fs";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";

export interface PGliteServerOptions {
  /**
   * A loopback address (TCP: anyone on the machine can connect, there is no password), or, as in
   * libpq, an absolute directory: then the server listens on the Unix-domain socket
   * `<dir>/.s.PGSQL.<port>` (mode 0600) and only users who may enter `dir` can connect.
   */
  host?: string;
  /** 0 (default) lets the OS pick a free TCP port; for a socket directory it names the file (default 5432). */
  port?: number;
  maxConnections?: number;
}

export interface PGliteServer {
  host: string;
  port: number;
  /** The Unix-domain socket's path, when `host` is a directory. */
  socketPath?: string;
  /** Closes every connection (rolling back its open transaction) and stops listening. */
  stop(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const TERMINATE = 0x58; // 'X'
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);

/** Serves `db` over TCP or a Unix-domain socket until stop(); the caller still owns (and closes) `db`. */
export async function servePGlite(db: PGlite, opts: PGliteServerOptions = {}): Promise<PGliteServer> {
  const host = opts.host ?? "127.0.0.1";
  const maxConnections = opts.maxConnections ?? 100;
  const session = new SessionLock();
  const connections = new Set<Connection>();
  const refused = new Set<Socket>();
  let connectionCount = 0;
  const server = createServer((socket) => {
    if (connections.size >= maxConnections) {
      refused.add(socket.on("close", () => refused.delete(socket)).on("error", () => {}));
      socket.end(errorResponse("53300", `too many connections to embedded PostgreSQL (max ${maxConnections})`));
      return;
    }
    const connection = new Connection(socket, db, session, `c${++connectionCount}_`);
    connections.add(connection);
    void connection.closed.then(() => connections.delete(connection));
  });
  await db.waitReady;
  const port = host.startsWith("/") ? opts.port || 5432 : (opts.port ?? 0);
  const socketPath = host.startsWith("/") ? join(host, `.s.PGSQL.${port}`) : undefined;
  // A socket file left by a crashed server would make listen() fail; the caller owns the directory.
  if (socketPath) rmSync(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const listening = () => {
      server.off("error", reject);
      resolve();
    };
    if (socketPath) server.listen(socketPath, listening);
    else server.listen(port, host, listening);
  });
  if (socketPath) chmodSync(socketPath, 0o600);
  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of refused) socket.destroy();
    for (const c of connections) c.socket.destroy();
    await Promise.all([...connections].map((c) => c.closed));
    await closed;
  };
  if (socketPath) return { host, port, socketPath, stop };
  return { host, port: (server.address() as AddressInfo).port, stop };
}

/** FIFO ownership of PGlite's single session. */
class SessionLock {
  #owner: Connection | null = null;
  #waiting: { connection: Connection; grant: (granted: boolean) => void }[] = [];

  /** Resolves true once `connection` owns the session, false if cancelled first. */
  acquire(connection: Connection): Promise<boolean> {
    if (this.#owner === connection) return Promise.resolve(true);
    if (!this.#owner) {
      this.#owner = connection;
      return Promise.resolve(true);
    }
    return new Promise((grant) => this.#waiting.push({ connection, grant }));
  }

  release(connection: Connection): void {
    if (this.#owner !== connection) return;
    const next = this.#waiting.shift();
    this.#owner = next?.connection ?? null;
    next?.grant(true);
  }

  cancel(connection: Connection): void {
    for (const w of this.#waiting.filter((w) => w.connection === connection)) w.grant(false);
    this.#waiting = this.#waiting.filter((w) => w.connection !== connection);
  }
}

class Connection {
  readonly closed: Promise<void>;
  #buffer = Buffer.alloc(0);
  #started = false;
  #owner = false;
  #work: Promise<void> = Promise.resolve();
  /** The (renamed) statements this connection prepared, deallocated when it closes. */
  readonly #prepared = new Set<string>();

  constructor(
    readonly socket: Socket,
    private readonly db: PGlite,
    private readonly session: SessionLock,
    private readonly prefix: string,
  ) {
    socket.setNoDelay(true);
    socket.on("error", () => {}); // "close" follows and cleans up
    socket.on("data", (chunk) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#work = this.#work
        .then(() => this.#drain())
        .catch(() => {
          socket.destroy();
        });
    });
    this.closed = new Promise((resolve) => {
      socket.once("close", () => {
        this.session.cancel(this);
        this.#work = this.#work
          .then(() => this.#cleanup())
          .then(() => this.#deallocate())
          .finally(resolve);
      });
    });
  }

  async #drain(): Promise<void> {
    while (!this.socket.destroyed) {
      if (!this.#started) {
        const packet = this.#take(0);
        if (!packet) return;
        const code = packet.readInt32BE(4);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) this.socket.write("N");
        else if (code === CANCEL_REQUEST) this.socket.end();
        else {
          this.#started = true;
          await this.#exec(packet);
        }
        continue;
      }
      if (this.#buffer[0] === TERMINATE) {
        this.socket.end();
        return;
      }
      const messages = this.#take(1);
      if (!messages) return;
      await this.#exec(namespaceStatements(messages, this.prefix, this.#prepared));
    }
  }

  /** Removes and returns the complete messages at the head of the buffer (typed: stops before Terminate). */
  #take(typeBytes: 0 | 1): Buffer | null {
    let end = 0;
    while (end + typeBytes + 4 <= this.#buffer.length && (typeBytes === 0 || this.#buffer[end] !== TERMINATE)) {
      const length = typeBytes + this.#buffer.readInt32BE(end + typeBytes);
      if (end + length > this.#buffer.length) break;
      end += length;
      if (typeBytes === 0) break; // untyped packets (startup phase) one at a time
    }
    if (end === 0) return null;
    const head = this.#buffer.subarray(0, end);
    this.#buffer = this.#buffer.subarray(end);
    return head;
  }

  /** Runs messages with the session owned; keeps it until PGlite is idle outside a transaction. */
  async #exec(messages: Buffer): Promise<void> {
    const midQuery = this.#owner;
    if (!midQuery && !(await this.session.acquire(this))) return;
    this.#owner = true;
    let tail = Buffer.alloc(0);
    await this.db.runExclusive(() =>
      this.db.execProtocolRawStream(messages, {
        onRawData: (data) => {
          const out = Buffer.from(data);
          tail = Buffer.concat([tail, out.subarray(-6)]).subarray(-6);
          if (!this.socket.destroyed) this.socket.write(out);
        },
      }),
    );
    // No output (e.g. a lone Flush) leaves the state as it was; otherwise the last message decides.
    const idle = tail.length === 0 ? !midQuery : tail[0] === 0x5a && tail.readInt32BE(1) === 5 && tail[5] === 0x49;
    if (idle) {
      this.#owner = false;
      this.session.release(this);
    }
  }

  /** Ends an unfinished extended query and rolls back an open transaction, then frees the session. */
  async #cleanup(): Promise<void> {
    if (!this.#owner) return;
    const discard = { onRawData: () => {} };
    try {
      await this.db.runExclusive(async () => {
        await this.db.execProtocolRawStream(SYNC, discard);
        if (this.db.isInTransaction()) await this.db.execProtocolRawStream(simpleQuery("ROLLBACK"), discard);
      });
    } finally {
      this.#owner = false;
      this.session.release(this);
    }
  }

  /** Drops the statements this connection prepared (other connections' stay). */
  async #deallocate(): Promise<void> {
    if (this.#prepared.size === 0 || !(await this.session.acquire(this))) return;
    const sql = [...this.#prepared].map((name) => `DEALLOCATE "${name.replaceAll('"', '""')}"`).join("; ");
    try {
      await this.db.runExclusive(() => this.db.execProtocolRawStream(simpleQuery(sql), { onRawData: () => {} }));
    } finally {
      this.session.release(this);
    }
  }
}

const PARSE = 0x50; // 'P': name, query, …
const BIND = 0x42; // 'B': portal, statement, …
const DESCRIBE = 0x44; // 'D': 'S' statement | 'P' portal
const CLOSE = 0x43; // 'C': 'S' statement | 'P' portal

/**
 * Rename the named prepared statements in a batch of frontend messages to `prefix` + name (the
 * unnamed statement "" is left alone: it lives only while the connection owns the session), and
 * note the names this connection parsed in `prepared`. Messages of other types pass unchanged.
 */
export function namespaceStatements(messages: Buffer, prefix: string, prepared: Set<string>): Buffer {
  const out: Buffer[] = [];
  let changed = false;
  for (let at = 0; at < messages.length; ) {
    const type = messages[at] as number;
    const end = at + 1 + messages.readInt32BE(at + 1);
    const body = messages.subarray(at + 5, end);
    let renamed: Buffer | null = null;
    if (type === PARSE) renamed = renameAt(body, 0, prefix, prepared);
    else if (type === BIND) renamed = renameAt(body, body.indexOf(0) + 1, prefix);
    else if ((type === DESCRIBE || type === CLOSE) && body[0] === 0x53) {
      renamed = renameAt(body, 1, prefix);
      if (renamed && type === CLOSE) prepared.delete(cString(renamed, 1));
    }
    out.push(renamed ? frame(String.fromCharCode(type), renamed) : messages.subarray(at, end));
    changed ||= renamed !== null;
    at = end;
  }
  return changed ? Buffer.concat(out) : messages;
}

/** The message body with the statement name at `offset` prefixed; null for the unnamed statement. */
function renameAt(body: Buffer, offset: number, prefix: string, parsed?: Set<string>): Buffer | null {
  const name = cString(body, offset);
  if (name === "") return null;
  parsed?.add(prefix + name);
  const nul = body.indexOf(0, offset);
  return Buffer.concat([body.subarray(0, offset), Buffer.from(prefix + name), body.subarray(nul)]);
}

function cString(body: Buffer, offset: number): string {
  return body.toString("utf8", offset, body.indexOf(0, offset));
}

function frame(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function simpleQuery(sql: string): Buffer {
  return frame("Q", Buffer.from(`${sql}\0`));
}

function errorResponse(code: string, message: string): Buffer {
  return frame("E", Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`));
}
