/**
 * The one-off commands (migrate, seed, api-key, admin-password): open the database (migrated
 * first), do the one thing, print its result, close. Imported by main.ts only for these commands.
 */
import type { Logger } from "pino";
import { argon2Hasher } from "./admin/panel/passwords.js";
import { createApiKey, parseScope } from "./core/accounts/api-key.service.js";
import { setPanelPassword } from "./core/accounts/panel-auth.service.js";
import type { Config } from "./core/config/config.js";
import { type OnceRole, UserError } from "./main-commands.js";
import { openMigrated, systemClock, systemIds } from "./main-database.js";
import { progressReporter } from "./prisma/tools/progress.js";

/** Options were checked by parseCommand (main-commands.ts); `values` holds the command's required ones. */
export async function runOnce(role: OnceRole, config: Config, log: Logger, values: Record<string, string>) {
  const scope = role === "api-key" ? parseScope(values.scope ?? "") : undefined;
  if (scope === null)
    throw new UserError(`--scope must be "admin", "contractor:<uuid>" or "team:<uuid>" (got "${values.scope}")`, 2);
  const db = await openMigrated(config, log, { role, serving: false });
  try {
    if (role === "migrate") {
      console.log(`Database is up to date: ${db.description}.`);
    } else if (role === "admin-password" && values.email) {
      const password = systemIds.token(12);
      const done = await setPanelPassword({ prisma: db.prisma, clock: systemClock }, argon2Hasher, {
        email: values.email,
        password,
      });
      if (!done) throw new UserError(`No admin, sales manager or read-only user with e-mail ${values.email}.`);
      console.log(`New panel password for ${values.email} (shown once):`);
      console.log(password);
    } else if (role === "seed") {
      const seeding = progressReporter("seed", { unit: "phases" });
      const { seedDemoData } = await import("./prisma/seed.js"); // loaded only to seed
      const summary = await seedDemoData(db.prisma, systemClock.now(), seeding.update).finally(() => seeding.stop());
      console.log(summary);
    } else if (role === "api-key" && scope && values.name) {
      const res = await createApiKey(db.prisma, systemIds, { name: values.name, scope });
      if (!res.ok) throw new UserError(res.message);
      console.log(`Created API key "${values.name}" (${values.scope}). Store it now; it is not shown again:`);
      console.log(res.value.key);
    }
  } finally {
    await db.close();
  }
}
