/**
 * Baileys' values, loaded safely. Baileys is CommonJS and Node's ESM loader cannot see every
 * named export (`proto` comes from a generated protobuf file and is missing from the namespace),
 * so values are read from the module object. Types are imported from the package as usual.
 */
import * as ns from "@whiskeysockets/baileys";

type Baileys = typeof ns;
const mod: Baileys = (ns as Partial<Baileys>).proto ? ns : (ns as unknown as { default: Baileys }).default;

export const {
  BufferJSON,
  DisconnectReason,
  downloadMediaMessage,
  initAuthCreds,
  makeCacheableSignalKeyStore,
  makeWASocket,
  proto,
} = mod;
