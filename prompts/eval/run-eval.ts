/**
 * Run the eval set on a world whose LLM is wrapped to record the prompt of each call: every case
 * must be answered by the model (engine "llm") and pass its checks. Returns per-feature scores.
 */
import type { CoreDeps } from "../../core/context.js";
import type { Llm, LlmAnswer, LlmRequest } from "../../core/ports.js";
import { type CheckResult, standardChecks } from "./checks.js";
import { GOLDEN, type SceneIds } from "./golden.js";

/** An Llm that remembers the last request it passed on. */
export class RecordingLlm implements Llm {
  last: LlmRequest<unknown> | null = null;
  constructor(private readonly inner: Llm) {}
  get model(): string {
    return this.inner.model;
  }
  complete<T>(request: LlmRequest<T>): Promise<LlmAnswer<T>> {
    this.last = request as LlmRequest<unknown>;
    return this.inner.complete(request);
  }
}

export interface FeatureScore {
  feature: string;
  engine: string;
  checks: CheckResult[];
  passed: number;
  total: number;
}

/** Run every golden case; `deps.llm` must be a RecordingLlm. */
export async function runEval(deps: CoreDeps & { llm: RecordingLlm }, scene: SceneIds): Promise<FeatureScore[]> {
  const scores: FeatureScore[] = [];
  for (const c of GOLDEN) {
    deps.llm.last = null;
    const r = (await c.run(deps, scene)) as { ok: boolean; value?: Record<string, unknown> };
    const value = r.ok && r.value ? r.value : {};
    const engine = String(value.engine ?? "error");
    const sent = deps.llm.last as LlmRequest<unknown> | null; // set by the call above
    const prompt = sent ? `${sent.system}\n${sent.user}` : "";
    const checks: CheckResult[] = [{ name: "engine_llm", pass: engine === "llm", detail: engine }];
    for (const text of c.texts(value).filter((t) => t !== "")) {
      checks.push(...standardChecks({ text, language: c.language, maxChars: c.maxChars, prompt }));
    }
    const passed = checks.filter((x) => x.pass).length;
    scores.push({ feature: c.feature, engine, checks, passed, total: checks.length });
  }
  return scores;
}

/** A markdown table of the scores (docs/ai.md). */
export function scoreTable(scores: FeatureScore[]): string {
  const rows = scores.map((s) => {
    const failed = s.checks.filter((c) => !c.pass).map((c) => `${c.name}${c.detail ? ` (${c.detail})` : ""}`);
    return `| ${s.feature} | ${s.engine} | ${s.passed}/${s.total} | ${failed.join("; ") || "—"} |`;
  });
  const passed = scores.reduce((n, s) => n + s.passed, 0);
  const total = scores.reduce((n, s) => n + s.total, 0);
  return [
    "| feature | engine | checks passed | failed |",
    "| --- | --- | --- | --- |",
    ...rows,
    `| **all** | | **${passed}/${total}** | |`,
  ].join("\n");
}
