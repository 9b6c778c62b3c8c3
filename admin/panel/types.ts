import type { PanelUser } from "../../core/accounts/panel-auth.service.js";
import type { CoreDeps } from "../../core/context.js";
import type { PasswordHasher } from "../../core/ports.js";

/** One message of a sandbox conversation, as the panel's chat page shows it. */
export interface SandboxLine {
  id: string;
  from: "bot" | "me";
  text: string;
  buttons: Array<{ label: string; choice: string }>;
  at: Date;
}

/**
 * The chat sandbox as the panel uses it. The chat app lives in bot/, which admin/ may not import:
 * main.ts (the composition root) hands it in.
 */
export interface SandboxPort {
  send(input: { session: string; as: string; text?: string; choice?: string }): Promise<void>;
  conversation(session: string): Promise<SandboxLine[]>;
}

/** What the panel needs besides core. */
export interface PanelDeps extends CoreDeps {
  hasher: PasswordHasher;
  sandbox?: SandboxPort;
}

declare module "fastify" {
  interface FastifyRequest {
    panelUser?: PanelUser;
  }
  interface FastifyReply {
    /** Template data every render gets (filled by @fastify/view's `locals` decorator). */
    locals: Record<string, unknown> | null;
  }
  interface FastifyContextConfig {
    /** Routes reachable without signing in (login page, static files). */
    public?: boolean;
    /** Roles allowed on this route; default: every panel role may read, read-only may not change. */
    roles?: ReadonlyArray<PanelUser["role"]>;
    /** False for a POST that changes nothing (a live preview): no audit row is expected (tests/audit). */
    audit?: boolean;
  }
}
