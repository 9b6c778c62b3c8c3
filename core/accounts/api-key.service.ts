import { createHash } from "node:crypto";
import type { Db } from "../db.js";
import { fail, ok, type Result } from "../errors.js";
import type { Ids } from "../ports.js";
import type { ApiScope } from "./api-scope.js";
import { resolveTeamScope } from "./team-scope.js";

export type { ApiScope } from "./api-scope.js";

/** What a key is created for, as typed on the command line or in the API (a team by its id). */
export type KeyScope = { kind: "admin" } | { kind: "contractor"; ownerId: string } | { kind: "team"; teamId: string };

/** SHA-256 of a key; only the hash is stored. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/** Parse `admin`, `contractor:<uuid>` or `team:<uuid>` as typed on the command line. */
export function parseScope(raw: string): KeyScope | null {
  if (raw === "admin") return { kind: "admin" };
  const m = new RegExp(`^(contractor|team):(${UUID})$`, "i").exec(raw.trim());
  if (!m?.[1] || !m[2]) return null;
  const id = m[2].toLowerCase();
  return m[1].toLowerCase() === "team" ? { kind: "team", teamId: id } : { kind: "contractor", ownerId: id };
}

/**
 * Create an API key. The plain key is returned once and never stored.
 * A contractor key must name an existing contractor or marketer; a team key an existing team.
 */
export async function createApiKey(
  db: Db,
  ids: Ids,
  input: { name: string; scope: KeyScope },
): Promise<Result<{ id: string; key: string }>> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100) return fail("VALIDATION_FAILED", "name must be 1–100 characters");
  if (input.scope.kind === "contractor") {
    const owner = await db.user.findUnique({ where: { id: input.scope.ownerId }, select: { role: true } });
    if (!owner || (owner.role !== "contractor" && owner.role !== "marketer")) {
      return fail("NOT_FOUND", `no contractor or marketer with id ${input.scope.ownerId}`);
    }
  }
  if (input.scope.kind === "team") {
    const team = await db.team.findUnique({ where: { id: input.scope.teamId }, select: { id: true } });
    if (!team) return fail("NOT_FOUND", `no team with id ${input.scope.teamId}`);
  }
  const key = `lr_${ids.token(24)}`;
  const row = await db.apiKey.create({
    data: {
      name,
      prefix: key.slice(0, 10),
      key_hash: hashApiKey(key),
      scope: input.scope.kind,
      owner_id: input.scope.kind === "contractor" ? input.scope.ownerId : null,
      team_id: input.scope.kind === "team" ? input.scope.teamId : null,
    },
    select: { id: true },
  });
  return ok({ id: row.id, key });
}

/** How long a key's row is trusted once read: a revocation takes effect within this time. */
export const API_KEY_CACHE_TTL_MS = 30_000;
/** Bound on cached keys; the cache is cleared when full (a cleared entry costs one read). */
const API_KEY_CACHE_MAX = 10_000;

interface CachedKey {
  id: string;
  scope: string;
  ownerId: string | null;
  teamId: string | null;
  /** When the row was read (`now` of that request, ms). */
  readAtMs: number;
  /** The key's last_used_at as last read or written (ms; null when never used). */
  lastUsedMs: number | null;
}

/** Key hash → its row as last read: known, unrevoked keys only (an unknown key is read every time). */
const keyCache = new Map<string, CachedKey>();

/**
 * Find the scope of a presented key, or null when it is unknown or revoked; notes its last use.
 * A known, unrevoked key's row is kept for API_KEY_CACHE_TTL_MS (30 s) per process, so a busy
 * key costs no database read per request; the price is that a revocation (revoked_at set) or a
 * deleted key is honoured within those 30 s, never later: past the TTL the row is read again.
 * A team key's members are still read here on every request (membership changes at once).
 */
export async function resolveApiKey(db: Db, key: string, now: Date): Promise<ApiScope | null> {
  const hash = hashApiKey(key);
  const nowMs = now.getTime();
  let cached = keyCache.get(hash);
  if (cached && (nowMs < cached.readAtMs || nowMs - cached.readAtMs >= API_KEY_CACHE_TTL_MS)) {
    keyCache.delete(hash);
    cached = undefined;
  }
  if (!cached) {
    const row = await db.apiKey.findUnique({ where: { key_hash: hash } });
    if (!row || row.revoked_at) return null;
    cached = {
      id: row.id,
      scope: row.scope,
      ownerId: row.owner_id,
      teamId: row.team_id,
      readAtMs: nowMs,
      lastUsedMs: row.last_used_at?.getTime() ?? null,
    };
    if (keyCache.size >= API_KEY_CACHE_MAX) keyCache.clear();
    keyCache.set(hash, cached);
  }
  // At most one write a minute per key: every request of a busy key would otherwise queue on this row.
  if (cached.lastUsedMs === null || nowMs - cached.lastUsedMs >= 60_000) {
    cached.lastUsedMs = nowMs;
    // updateMany: a key deleted within the TTL is no error.
    await db.apiKey.updateMany({ where: { id: cached.id }, data: { last_used_at: now } });
  }
  if (cached.scope === "admin") return { kind: "admin" };
  if (cached.scope === "team") return cached.teamId ? resolveTeamScope(db, cached.teamId) : null;
  return cached.ownerId ? { kind: "contractor", ownerId: cached.ownerId } : null;
}
