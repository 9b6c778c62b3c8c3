/** What a CRM wake-up is for; the id is the row to re-read. */
export type CrmWakeKind = "reminder" | "inactive";

/** The scheduler key of a CRM deadline: `reminder:<reminderId>` or `inactive:<customerId>`. */
export function crmWakeKey(kind: CrmWakeKind, id: string): string {
  return `${kind}:${id}`;
}

/** Parse a scheduler key back into its kind and row id; null for keys of other areas. */
export function parseCrmWakeKey(key: string): { kind: CrmWakeKind; id: string } | null {
  const m = /^(reminder|inactive):([0-9a-f-]{36})$/.exec(key);
  return m ? { kind: m[1] as CrmWakeKind, id: m[2] as string } : null;
}
