/**
 * LeadRelay's one composition root and command line.
 *
 *   tsx main.ts [all|web|bot|worker|migrate|seed]      (npm start = all)
 *   tsx main.ts api-key create --name NAME --scope admin|contractor:<id>
 *   tsx main.ts admin-password --email EMAIL     (prints a new panel password)
 *   tsx main.ts <command> --help                 (the grammar is in main-commands.ts)
 *
 * This file reads the command line and the configuration, then imports only what the command
 * runs: main-serve.ts (all/web/bot/worker, which in turn imports each role's adapters) or
 * main-once.ts (the one-off commands). So `--help` loads no adapter, and `npm start` without
 * WhatsApp or Redis never loads Baileys or BullMQ. Problems a person can fix (bad configuration,
 * a port in use, an unreachable database) end the process with one clear line and exit code 1.
 */
import { parseCommand, UserError } from "./main-commands.js";

async function main(argv: string[]): Promise<void> {
  // The command line is checked before configuration and database: --help touches nothing.
  const command = parseCommand(argv);
  if (command.kind === "help") {
    console.log(command.text);
    return;
  }
  if (command.kind === "usage-error") throw new UserError(command.message, 2);
  const role = command.role;
  const [{ ConfigError, parseConfig }, { createLogger, userProblem }] = await Promise.all([
    import("./core/config/config.js"),
    import("./main-database.js"),
  ]);
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UserError(err.message);
    throw err;
  }
  const log = createLogger(config);
  try {
    if (role === "migrate" || role === "seed" || role === "api-key" || role === "admin-password") {
      const { runOnce } = await import("./main-once.js");
      return await runOnce(role, config, log, command.values);
    }
    const { serve } = await import("./main-serve.js");
    return await serve(role, config, log);
  } catch (err) {
    throw userProblem(err) ?? err;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UserError) {
    console.error(`leadrelay: ${err.message}`);
    process.exit(err.exitCode);
  }
  console.error(err);
  process.exit(1);
});
