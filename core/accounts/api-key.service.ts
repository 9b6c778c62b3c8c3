import { createHash } from "node:crypto";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import type { Ids } from "../ports.js";

/** Who an API key speaks for: the whole platform, or one contractor/marketer. */
export type ApiScope = { kind: "admin" } | { kind: "contractor"; ownerId: string };

/** SHA-256 of a key; only the hash is stored. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Parse `admin` or `contractor:<uuid>` as typed on the command line. */
export function parseScope(raw: string): ApiScope | null {
  if (raw === "admin") return { kind: "admin" };
  const m = /^contractor:([0-9a-f-]{36})$/i.exec(raw);
  return m?.[1] ? { kind: "contractor", ownerId: m[1].toLowerCase() } : null;
}

/**
 * Create an API key. The plain key is returned once and never stored.
 * A contractor key must name an existing contractor or marketer.
 */
export async function createApiKey(
  db: Db,
  ids: Ids,
  input: { name: string; scope: ApiScope },
): Promise<Result<{ id: string; key: string }>> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100) return fail("VALIDATION_FAILED", "name must be 1–100 characters");
  if (input.scope.kind === "contractor") {
    const owner = await db.user.findUnique({ where: { id: input.scope.ownerId }, select: { role: true } });
    if (!owner || (owner.role !== "contractor" && owner.role !== "marketer")) {
      return fail("NOT_FOUND", `no contractor or marketer with id ${input.scope.ownerId}`);
    }
  }
  const key = `lr_${ids.token(24)}`;
  const row = await db.apiKey.create({
    data: {
      name,
      prefix: key.slice(0, 10),
      key_hash: hashApiKey(key),
      scope: input.scope.kind,
      owner_id: input.scope.kind === "contractor" ? input.scope.ownerId : null,
    },
    select: { id: true },
  });
  return ok({ id: row.id, key });
}

/** Find the scope of a presented key, or null when it is unknown or revoked; notes its last use. */
export async function resolveApiKey(db: Db, key: string, now: Date): Promise<ApiScope | null> {
  const row = await db.apiKey.findUnique({ where: { key_hash: hashApiKey(key) } });
  if (!row || row.revoked_at) return null;
  // At most one write a minute per key: every request of a busy key would otherwise queue on this row.
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() >= 60_000) {
    await db.apiKey.update({ where: { id: row.id }, data: { last_used_at: now } });
  }
  if (row.scope === "admin") return { kind: "admin" };
  return row.owner_id ? { kind: "contractor", ownerId: row.owner_id } : null;
}
