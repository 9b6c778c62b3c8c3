import type { Channel } from "../../core/ports.js";

/**
 * The browser sandbox channel: there is no network hop — the chat page reads the outbox rows
 * addressed to its session — so delivering is marking the row sent.
 */
export const sandboxChannel: Channel = {
  async send(message) {
    return { ok: true, providerMessageId: `sandbox-${message.id}` };
  },
};
