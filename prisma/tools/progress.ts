/**
 * Progress of a long command-line step (migrations, the demo seed, the backtest): a cli-progress
 * bar when the person watches a terminal, one plain line per phase otherwise (CI logs, pipes).
 * Both go to stderr, so a command's own output on stdout (an API key on the last line) stays
 * clean for scripts.
 */
import cliProgress from "cli-progress";

/** Called as work advances: `done` of `total` steps, in the named phase. */
export type ProgressFn = (done: number, total: number, phase: string) => void;

export interface ProgressReporter {
  update: ProgressFn;
  /** Finish the bar (or nothing for plain lines); safe to call more than once. */
  stop(): void;
}

/**
 * A reporter for one step labelled `label` ("migrations", "seed", "backtest"). `unit` names what
 * is counted ("migrations", "requests"). Plain mode writes a line when the phase changes and,
 * within a long phase, at each tenth of the way.
 */
export function progressReporter(
  label: string,
  opts: { unit?: string; tty?: boolean; write?: (line: string) => void } = {},
): ProgressReporter {
  const unit = opts.unit ?? "steps";
  const tty = opts.tty ?? (process.stdout.isTTY === true && process.stderr.isTTY === true);
  if (tty) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label.padEnd(10)} {bar} {percentage}% | {value}/{total} ${unit} | {phase}`,
        hideCursor: true,
        stream: process.stderr,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total, phase) {
        if (!started) {
          bar.start(total, done, { phase });
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(done, { phase });
        }
      },
      stop() {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  let lastPhase: string | null = null;
  let lastTenth = -1;
  return {
    update(done, total, phase) {
      const tenth = Math.floor((10 * done) / Math.max(1, total));
      if (phase === lastPhase && tenth === lastTenth) return;
      lastPhase = phase;
      lastTenth = tenth;
      write(`[${label}] ${done}/${total} ${unit}${phase ? ` — ${phase}` : ""}`);
    },
    stop() {},
  };
}
