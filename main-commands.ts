/**
 * The command line's grammar: every command, its options and its usage text. Parsing happens
 * before anything is opened, so `--help` and a bad flag never touch a database or a data folder.
 */
import { parseArgs } from "node:util";

export const ROLES = ["all", "web", "bot", "worker", "migrate", "seed", "api-key", "admin-password"] as const;
export type Role = (typeof ROLES)[number];
export type ServeRole = "all" | "web" | "bot" | "worker";
export type OnceRole = Exclude<Role, ServeRole>;

interface CommandSpec {
  synopsis: string;
  summary: string;
  options: Record<string, { type: "string"; description: string }>;
  /** The exact positional words the command takes (e.g. api-key's "create"). */
  subcommand?: string;
}

const COMMANDS: Record<Role, CommandSpec> = {
  all: { synopsis: "all", summary: "web + bot + worker in one process (= npm start)", options: {} },
  web: { synopsis: "web", summary: "the web role: API, webhooks and admin panel (scaled mode)", options: {} },
  bot: { synopsis: "bot", summary: "the chat role: Telegram and WhatsApp (scaled mode)", options: {} },
  worker: { synopsis: "worker", summary: "deadlines, reconciler and outbox sender (scaled mode)", options: {} },
  migrate: { synopsis: "migrate", summary: "apply the database migrations and exit", options: {} },
  seed: { synopsis: "seed", summary: "add the demo data (idempotent)", options: {} },
  "api-key": {
    synopsis: "api-key create --name NAME --scope admin|contractor:<id>|team:<id>",
    summary: "create an API key and print it as the last line",
    subcommand: "create",
    options: {
      name: { type: "string", description: "a label for the key (shown in the panel)" },
      scope: {
        type: "string",
        description:
          '"admin", "contractor:<id>" for one contractor\'s data, or "team:<id>" for a sales manager\'s team',
      },
    },
  },
  "admin-password": {
    synopsis: "admin-password --email EMAIL",
    summary: "set and print a new panel password for EMAIL",
    options: { email: { type: "string", description: "the panel user's e-mail" } },
  },
};

const DATABASE_NOTE =
  "Database: DATABASE_URL if set, else the embedded one in DATA_DIR (default ./data). Every command migrates first.";

/** The whole command line's usage (all commands). */
export function generalUsage(): string {
  const lines = ROLES.map((r) => `  ${COMMANDS[r].synopsis.padEnd(58)} ${COMMANDS[r].summary}`);
  return `Usage: npm run cli -- <command> [options]   (tsx main.ts …; --help after a command for its usage)\n\n${lines.join("\n")}\n\n${DATABASE_NOTE}`;
}

/** One command's usage. */
export function commandUsage(role: Role): string {
  const spec = COMMANDS[role];
  const options = Object.entries(spec.options).map(([name, o]) => `  --${name.padEnd(12)} ${o.description}`);
  options.push(`  --${"help, -h".padEnd(12)} show this help`);
  return `Usage: npm run cli -- ${spec.synopsis}\n${spec.summary}\n\nOptions:\n${options.join("\n")}\n\n${DATABASE_NOTE}`;
}

/** A problem the user can fix: main.ts prints it as one line and exits with `exitCode` (2 for usage). */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export type ParsedCommand =
  | { kind: "help"; text: string }
  | { kind: "usage-error"; message: string }
  | { kind: "run"; role: Role; values: Record<string, string> };

/** Parses argv (without node and the script): help, a usage error (one line + usage), or a command to run. */
export function parseCommand(argv: string[]): ParsedCommand {
  const [first = "all", ...rest] = argv;
  if (first === "--help" || first === "-h" || first === "help") return { kind: "help", text: generalUsage() };
  if (!ROLES.includes(first as Role)) {
    return { kind: "usage-error", message: `Unknown command "${first}".\n${generalUsage()}` };
  }
  const role = first as Role;
  const spec = COMMANDS[role];
  const fail = (problem: string): ParsedCommand => ({
    kind: "usage-error",
    message: `${role}: ${problem}\n${commandUsage(role)}`,
  });
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...spec.options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    // node:util's messages are one sentence plus advice; the first sentence says it.
    return fail(`${(err as Error).message.split(/\.\s/)[0]?.replace(/\.$/, "")}.`);
  }
  if (parsed.values.help) return { kind: "help", text: commandUsage(role) };
  const expected = spec.subcommand ? [spec.subcommand] : [];
  if (parsed.positionals.join(" ") !== expected.join(" ")) {
    const extra = parsed.positionals.find((p, i) => p !== expected[i]);
    return fail(extra === undefined ? `missing "${expected.join(" ")}".` : `unexpected argument "${extra}".`);
  }
  const values: Record<string, string> = {};
  for (const name of Object.keys(spec.options)) {
    const value = parsed.values[name];
    if (typeof value !== "string" || value.trim() === "") return fail(`--${name} is required.`);
    values[name] = value;
  }
  return { kind: "run", role, values };
}
