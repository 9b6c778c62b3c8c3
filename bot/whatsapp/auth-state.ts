import type {
  AuthenticationCreds,
  AuthenticationState,
  SignalDataSet,
  SignalDataTypeMap,
} from "@whiskeysockets/baileys";
import type { PrismaClient } from "../../prisma/generated/client.js";
import { BufferJSON, initAuthCreds, proto } from "./baileys.js";

/** The key type and id the credentials are stored under. */
const CREDS_TYPE = "creds";
const CREDS_ID = "creds";

/** Baileys' auth state backed by `whatsapp_auth`, plus what the connection manager needs around it. */
export interface DatabaseAuthState {
  state: AuthenticationState;
  /** Persist the current credentials (call on every `creds.update`). */
  saveCreds(): Promise<void>;
  /** Forget the session entirely (after a logout: the next start pairs anew). */
  clear(): Promise<void>;
}

const encode = (value: unknown) => JSON.stringify(value, BufferJSON.replacer);
const decode = (text: string): unknown => JSON.parse(text, BufferJSON.reviver);

/**
 * Baileys' auth state (credentials and Signal keys) stored in the database, one row per
 * `(session, type, id)` — never in files, so the bot can move between hosts and a crash cannot
 * leave a half-written key file (Baileys' own advice against `useMultiFileAuthState` in
 * production). Values are JSON with Buffers encoded by `BufferJSON`; `keys.set` writes a whole
 * batch in one transaction (a `null` value deletes that key), so a session and its pre-keys never
 * disagree after a crash. App-state sync keys are rebuilt as protobuf objects on read.
 */
export async function useDatabaseAuthState(prisma: PrismaClient, sessionId: string): Promise<DatabaseAuthState> {
  const stored = await prisma.whatsappAuth.findUnique({
    where: { session_id_key_type_key_id: { session_id: sessionId, key_type: CREDS_TYPE, key_id: CREDS_ID } },
  });
  const creds: AuthenticationCreds = stored ? (decode(stored.value) as AuthenticationCreds) : initAuthCreds();

  const state: AuthenticationState = {
    creds,
    keys: {
      async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
        const out: { [id: string]: SignalDataTypeMap[T] } = {};
        if (ids.length === 0) return out;
        const rows = await prisma.whatsappAuth.findMany({
          where: { session_id: sessionId, key_type: type, key_id: { in: ids } },
        });
        for (const row of rows) {
          let value = decode(row.value);
          if (type === "app-state-sync-key" && value) {
            value = proto.Message.AppStateSyncKeyData.fromObject(value as object);
          }
          out[row.key_id] = value as SignalDataTypeMap[T];
        }
        return out;
      },
      async set(data: SignalDataSet) {
        const writes: Array<{ type: string; id: string; value: unknown }> = [];
        for (const [type, entries] of Object.entries(data)) {
          for (const [id, value] of Object.entries(entries ?? {})) writes.push({ type, id, value });
        }
        if (writes.length === 0) return;
        await prisma.$transaction(
          writes.map((w) =>
            w.value === null || w.value === undefined
              ? prisma.whatsappAuth.deleteMany({ where: { session_id: sessionId, key_type: w.type, key_id: w.id } })
              : prisma.whatsappAuth.upsert({
                  where: { session_id_key_type_key_id: { session_id: sessionId, key_type: w.type, key_id: w.id } },
                  create: { session_id: sessionId, key_type: w.type, key_id: w.id, value: encode(w.value) },
                  update: { value: encode(w.value) },
                }),
          ),
        );
      },
    },
  };

  return {
    state,
    async saveCreds() {
      const value = encode(state.creds);
      await prisma.whatsappAuth.upsert({
        where: { session_id_key_type_key_id: { session_id: sessionId, key_type: CREDS_TYPE, key_id: CREDS_ID } },
        create: { session_id: sessionId, key_type: CREDS_TYPE, key_id: CREDS_ID, value },
        update: { value },
      });
    },
    async clear() {
      await prisma.whatsappAuth.deleteMany({ where: { session_id: sessionId } });
    },
  };
}
