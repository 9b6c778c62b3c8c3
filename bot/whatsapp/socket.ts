import type { ILogger } from "@whiskeysockets/baileys/lib/Utils/logger.js";
import type { CoreLog } from "../../core/context.js";
import { makeCacheableSignalKeyStore, makeWASocket } from "./baileys.js";
import type { SocketFactory, WhatsappSocket } from "./connection.js";

/** Baileys' logger on top of the app's: warnings and errors only (Baileys is very chatty). */
function baileysLogger(log: CoreLog): ILogger {
  const logger: ILogger = {
    level: "warn",
    child: () => logger,
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: (obj, msg) => log.warn(`whatsapp: ${msg ?? ""}`, obj),
    error: (obj, msg) => log.warn(`whatsapp error: ${msg ?? ""}`, obj),
  };
  return logger;
}

/**
 * The real socket: Baileys' makeWASocket with the database auth state (signal keys cached in
 * memory), the durable message store for retry requests, no QR in the terminal (the panel shows
 * it), no full history sync and not marked online (the phone keeps notifications). Only used when
 * WHATSAPP_ENABLED=true; tests inject a fake factory.
 */
export function baileysSocketFactory(log: CoreLog): SocketFactory {
  const logger = baileysLogger(log);
  return ({ auth, getMessage }) =>
    makeWASocket({
      auth: { creds: auth.creds, keys: makeCacheableSignalKeyStore(auth.keys, logger) },
      logger,
      getMessage,
      printQRInTerminal: false,
      markOnlineOnConnect: false,
      syncFullHistory: false,
      browser: ["LeadRelay", "Chrome", "1.0.0"],
    }) as unknown as WhatsappSocket;
}
