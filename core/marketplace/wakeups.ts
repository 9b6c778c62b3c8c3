/** What a scheduler wake-up is for; the id is the row to re-read. */
export type WakeKind = "close" | "expire" | "warn";

/** The scheduler key of a deadline: `close:<leadId>`, `expire:<bidId>`, `warn:<bidId>`. */
export function wakeKey(kind: WakeKind, id: string): string {
  return `${kind}:${id}`;
}

/** Parse a scheduler key back into its kind and row id; null for keys of other areas. */
export function parseWakeKey(key: string): { kind: WakeKind; id: string } | null {
  const m = /^(close|expire|warn):([0-9a-f-]{36})$/.exec(key);
  return m ? { kind: m[1] as WakeKind, id: m[2] as string } : null;
}
