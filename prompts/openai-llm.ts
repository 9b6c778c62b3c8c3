/**
 * The `Llm` port on the openai SDK, against any OpenAI-compatible endpoint (OpenAI, Azure,
 * Ollama, vLLM). One `complete` = one HTTP request: the SDK's own retries are off
 * (`maxRetries: 0`) and its 10-minute default timeout is replaced, because core/ai decides on the
 * single retry, the circuit breaker and the fallback. Structured output: `zodResponseFormat` +
 * `chat.completions.parse`, so the answer is parsed against the feature's zod schema here and a
 * malformed answer comes back as `invalid_output`, never as an exception.
 */
import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import type { ZodType } from "zod";
import type { Config } from "../core/config/config.js";
import type { Llm, LlmAnswer, LlmRequest, LlmTokens } from "../core/ports.js";

/** What the adapter needs; `timeoutMs` ≈ 8 s in production, shorter in tests. */
export interface OpenAiLlmOptions {
  apiKey?: string;
  baseUrl?: string;
  model: string;
  timeoutMs: number;
}

const NO_TOKENS: LlmTokens = { input: 0, output: 0, cached: 0 };

/** Schema names must match ^[a-zA-Z0-9_-]{1,64}$. */
function schemaName(feature: string): string {
  return feature.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64) || "answer";
}

/** The Llm port over the openai SDK. */
export class OpenAiLlm implements Llm {
  readonly model: string;
  private readonly client: OpenAI;

  constructor(options: OpenAiLlmOptions) {
    this.model = options.model;
    this.client = new OpenAI({
      // Local servers (Ollama, vLLM) need no key, but the SDK refuses an empty one.
      apiKey: options.apiKey ?? "not-needed",
      baseURL: options.baseUrl,
      timeout: options.timeoutMs,
      maxRetries: 0,
    });
  }

  async complete<T>(request: LlmRequest<T>): Promise<LlmAnswer<T>> {
    const model = request.model || this.model;
    let tokens = NO_TOKENS;
    try {
      const completion = await this.client.chat.completions.parse({
        model,
        temperature: 0.2,
        messages: [
          { role: "system", content: request.system },
          { role: "user", content: request.user },
        ],
        response_format: zodResponseFormat(request.schema as ZodType<T> & object, schemaName(request.feature)),
      });
      const usage = completion.usage;
      tokens = {
        input: usage?.prompt_tokens ?? 0,
        output: usage?.completion_tokens ?? 0,
        cached: usage?.prompt_tokens_details?.cached_tokens ?? 0,
      };
      const message = completion.choices[0]?.message;
      if (message?.refusal) return invalid(model, tokens, `refused: ${message.refusal}`);
      if (message?.parsed == null) return invalid(model, tokens, "no parsed content");
      return { ok: true, value: message.parsed as T, model: completion.model || model, tokens };
    } catch (error) {
      return classify(error, model, tokens);
    }
  }
}

function invalid<T>(model: string, tokens: LlmTokens, detail: string): LlmAnswer<T> {
  return { ok: false, reason: "invalid_output", retryable: true, detail, model, tokens };
}

/** Map an SDK error to a reason: timeouts are not retried (the caller waits long enough already). */
function classify<T>(error: unknown, model: string, tokens: LlmTokens): LlmAnswer<T> {
  const detail = error instanceof Error ? error.message.slice(0, 300) : String(error);
  if (error instanceof APIConnectionTimeoutError || error instanceof APIUserAbortError) {
    return { ok: false, reason: "timeout", retryable: false, detail, model, tokens };
  }
  if (error instanceof APIError) {
    const status = error.status ?? 0;
    const retryable = status === 0 || status === 408 || status === 409 || status === 429 || status >= 500;
    return { ok: false, reason: "error", retryable, detail, model, tokens };
  }
  // JSON that does not parse or does not match the schema, a length cut-off, a content filter.
  return invalid(model, tokens, detail);
}

/** The adapter for this configuration, or undefined when no LLM is configured (rules answer). */
export function llmFromConfig(config: Config): Llm | undefined {
  const { apiKey, baseUrl, model, timeoutMs } = config.openai;
  if (!apiKey && !baseUrl) return undefined;
  return new OpenAiLlm({ apiKey, baseUrl, model, timeoutMs });
}
