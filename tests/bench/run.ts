/**
 * Benchmark runner: `npm run bench -- <suite> [<suite>…]` runs `tests/bench/<suite>.bench.ts`'s
 * exported `run()` for each suite and prints the machine, the date and a Markdown table, ready
 * to paste into docs/benchmarks.md. An unknown suite name prints one line listing the suites.
 */
import { readdir } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchResult } from "./marketplace.bench.js";

/** No suite may run longer than this; the runner exits non-zero when one does. */
const SUITE_TIMEOUT_MS = 5 * 60_000;
const here = dirname(fileURLToPath(import.meta.url));

const suites = (await readdir(here))
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.slice(0, -".bench.ts".length))
  .sort();
const wanted = process.argv.slice(2).filter((a) => a !== "--");
const unknown = wanted.filter((w) => !suites.includes(w));
if (wanted.length === 0 || unknown.length > 0) {
  const what = wanted.length === 0 ? "no benchmark suite given" : `unknown benchmark suite "${unknown.join('", "')}"`;
  console.error(`${what}; available: ${suites.join(", ")} (npm run bench -- <suite>)`);
  process.exit(1);
}

const cpu = cpus();
console.log(
  `Machine: ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`,
);
console.log(`Date: ${new Date().toISOString()}`);
console.log(
  `Load average at start (1/5/15 min): ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ")}`,
);
console.log(`Command: npm run bench -- ${wanted.join(" ")}`);

let failed = false;
for (const name of wanted) {
  const mod = (await import(pathToFileURL(join(here, `${name}.bench.ts`)).href)) as {
    run?: () => Promise<BenchResult>;
  };
  if (typeof mod.run !== "function") {
    console.error(`tests/bench/${name}.bench.ts exports no run()`);
    failed = true;
    continue;
  }
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${SUITE_TIMEOUT_MS / 1000} s`)), SUITE_TIMEOUT_MS);
  });
  try {
    const result = await Promise.race([mod.run(), timeout]);
    console.log(`\n### ${result.title}\n`);
    console.log(table(result.columns, result.rows));
    for (const note of result.notes) console.log(`\n${note}`);
    const load = loadavg()
      .map((l) => l.toFixed(2))
      .join(" / ");
    console.log(`\n(${name}: ${((Date.now() - started) / 1000).toFixed(1)} s; load average at end ${load})`);
  } catch (err) {
    console.error(`${name} failed: ${(err as Error).stack ?? err}`);
    failed = true;
  } finally {
    clearTimeout(timer);
  }
}
// Clients a failed suite left open must not keep the process alive.
process.exit(failed ? 1 : 0);

function table(columns: string[], rows: string[][]): string {
  const esc = (s: string) => s.replaceAll("|", "\\|");
  return [
    `| ${columns.map(esc).join(" | ")} |`,
    `| ${columns.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}
