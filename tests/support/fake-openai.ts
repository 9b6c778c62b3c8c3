/**
 * A local OpenAI-compatible server for tests: real HTTP on 127.0.0.1, `POST /v1/chat/completions`.
 * It records every request and answers from a script: `json` (valid structured output),
 * `text` (any content, e.g. invalid JSON), `status` (an HTTP error such as 500) or `hang`
 * (never answers; the client's timeout must fire). With an empty script it answers `fallback`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FakeAnswer =
  | { json: unknown; usage?: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number } }
  | { text: string }
  | { status: number }
  | { hang: true };

export interface RecordedRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: unknown } };
  headers: IncomingMessage["headers"];
}

export class FakeOpenAi {
  readonly requests: RecordedRequest[] = [];
  private script: FakeAnswer[] = [];
  /** What to answer when the script is empty. */
  fallback: FakeAnswer | ((req: RecordedRequest) => FakeAnswer) = { status: 500 };
  private server: Server;
  private hung: ServerResponse[] = [];

  private constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(): Promise<FakeOpenAi> {
    const fake = new FakeOpenAi();
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  /** `OPENAI_BASE_URL` for this server. */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** Queue answers, used in order. */
  answer(...answers: FakeAnswer[]): this {
    this.script.push(...answers);
    return this;
  }

  reset(): void {
    this.requests.length = 0;
    this.script.length = 0;
    this.fallback = { status: 500 };
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = "";
    for await (const chunk of req) body += chunk;
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"message":"not found"}}');
      return;
    }
    const parsed = JSON.parse(body) as Omit<RecordedRequest, "headers">;
    const recorded = { ...parsed, headers: req.headers };
    this.requests.push(recorded);
    const next = this.script.shift() ?? (typeof this.fallback === "function" ? this.fallback(recorded) : this.fallback);
    if ("hang" in next) {
      this.hung.push(res);
      return;
    }
    if ("status" in next) {
      res
        .writeHead(next.status, { "content-type": "application/json" })
        .end(JSON.stringify({ error: { message: `fake ${next.status}`, type: "server_error" } }));
      return;
    }
    const content = "json" in next ? JSON.stringify(next.json) : next.text;
    const usage = "json" in next && next.usage ? next.usage : { prompt_tokens: 100, completion_tokens: 20 };
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        id: `chatcmpl-${this.requests.length}`,
        object: "chat.completion",
        created: 1_767_600_000,
        model: parsed.model,
        choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content, refusal: null } }],
        usage: {
          prompt_tokens: usage.prompt_tokens,
          completion_tokens: usage.completion_tokens,
          total_tokens: usage.prompt_tokens + usage.completion_tokens,
          prompt_tokens_details: { cached_tokens: ("cached_tokens" in usage && usage.cached_tokens) || 0 },
        },
      }),
    );
  }
}
