/**
 * A small JSON-over-HTTP client for load on loopback: keep-alive sockets (one per request in
 * flight), a timeout on every request, and `inPool` to run work with bounded concurrency and a
 * deadline. Shared by the backtest and the events benchmark.
 */
import { Agent, request } from "node:http";

export interface HttpResponse {
  status: number;
  body: string;
  /** Milliseconds from sending to the last byte. */
  ms: number;
}

export class JsonClient {
  readonly #agent: Agent;
  readonly #url: URL;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, headers: Record<string, string>, opts: { sockets?: number; timeoutMs?: number } = {}) {
    this.#url = new URL(baseUrl);
    this.#headers = headers;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#agent = new Agent({ keepAlive: true, maxSockets: opts.sockets ?? 16, maxFreeSockets: opts.sockets ?? 16 });
  }

  get(path: string): Promise<HttpResponse> {
    return this.send("GET", path);
  }

  post(path: string, body: unknown): Promise<HttpResponse> {
    return this.send("POST", path, JSON.stringify(body));
  }

  /** One request; rejects on a network error or when no answer came within the timeout. */
  send(method: string, path: string, payload?: string): Promise<HttpResponse> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...this.#headers };
      if (payload !== undefined) {
        headers["content-type"] = "application/json";
        headers["content-length"] = Buffer.byteLength(payload);
      }
      const req = request(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          path,
          method,
          headers,
          agent: this.#agent,
          timeout: this.#timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString("utf8"),
              ms: performance.now() - started,
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within ${this.#timeoutMs} ms`)));
      req.on("error", reject);
      req.end(payload);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/**
 * Run `fn` over `items` with at most `concurrency` in flight, in order of the items; results
 * in the same order. Stops starting new work once `deadline` (ms since epoch) has passed and
 * then rejects, so a stuck server cannot hold a run forever. `onDone` is called per item.
 */
export async function inPool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
  opts: { deadline?: number; onDone?: () => void } = {},
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let late = false;
  const worker = async () => {
    while (next < items.length) {
      if (opts.deadline !== undefined && Date.now() > opts.deadline) {
        late = true;
        return;
      }
      const i = next++;
      results[i] = await fn(items[i] as T, i);
      opts.onDone?.();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (late) throw new Error(`deadline passed with ${items.length - next} of ${items.length} items not started`);
  return results;
}
