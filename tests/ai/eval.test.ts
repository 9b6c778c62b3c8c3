/**
 * The eval set (`npm run eval`): against the fake server with scripted answers, or — when
 * OPENAI_BASE_URL or OPENAI_API_KEY is set — against that real endpoint (OPENAI_MODEL). Prints the
 * score table that docs/ai.md records.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../core/config/config.js";
import { standardChecks } from "../../prompts/eval/checks.js";
import { GOLDEN } from "../../prompts/eval/golden.js";
import { RecordingLlm, runEval, scoreTable } from "../../prompts/eval/run-eval.js";
import { OpenAiLlm } from "../../prompts/openai-llm.js";
import { createWorld, type TestWorld } from "../support/deps.js";
import { FakeOpenAi } from "../support/fake-openai.js";
import { fakeLlm, makeScene, seedPrompts } from "./ai-support.js";

let w: TestWorld;
let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await FakeOpenAi.start();
  w = await createWorld();
  await seedPrompts(w);
});
afterAll(async () => {
  await fake.close();
  await w.close();
});

const real = Boolean(process.env.OPENAI_BASE_URL || process.env.OPENAI_API_KEY);

describe(`eval set against ${real ? "the configured endpoint" : "the fake server"}`, () => {
  it("every golden case is answered by the model and passes language, length, PII and number checks", {
    timeout: 300_000,
  }, async () => {
    const s = await makeScene(w);
    const ids = { customerId: s.customer.id, applianceId: s.appliance.id, jobId: s.job.id, techId: s.tech.id };
    fake.fallback = (req) => ({
      json: GOLDEN.find((g) => g.feature === req.response_format?.json_schema?.name)?.fakeAnswer(ids) ?? {},
    });
    const env = parseConfig(process.env).openai;
    const llm = real
      ? new OpenAiLlm({ apiKey: env.apiKey, baseUrl: env.baseUrl, model: env.model, timeoutMs: 30_000 })
      : fakeLlm(fake.baseUrl);
    const scores = await runEval({ ...w.deps, llm: new RecordingLlm(llm) }, ids);
    console.log(
      `eval against ${real ? `${env.baseUrl ?? "OpenAI"} (${env.model})` : "the fake server"}\n${scoreTable(scores)}`,
    );
    expect(scores.map((x) => x.feature)).toEqual(GOLDEN.map((g) => g.feature));
    for (const score of scores) {
      expect(
        score.checks.filter((c) => !c.pass),
        score.feature,
      ).toEqual([]);
    }
  });

  it("the checks catch a wrong language, personal data and invented numbers", () => {
    const prompt = "Profit: 149.00 (margin 78.8%)";
    const bad = standardChecks({
      text: "Hi Rosa, call 602-555-0142 — your profit was 2,500 dollars.",
      language: "da",
      maxChars: 40,
      prompt,
    });
    expect(bad.filter((c) => !c.pass).map((c) => c.name)).toEqual([
      "language",
      "length",
      "no_pii",
      "no_invented_numbers",
    ]);
    const good = standardChecks({ text: "Hej Rosa, overskuddet er 149.00.", language: "da", maxChars: 100, prompt });
    expect(good.every((c) => c.pass)).toBe(true);
  });
});
