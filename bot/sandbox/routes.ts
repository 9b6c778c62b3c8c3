import type { FastifyReply, FastifyRequest } from "fastify";
import { type FastifyPluginAsyncZod, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { z } from "zod";
import { resolveApiKey } from "../../core/accounts/api-key.service.js";
import { isAdmin } from "../../core/accounts/visibility.js";
import type { CoreDeps } from "../../core/context.js";
import { ERROR_CODES } from "../../core/errors.js";
import type { ChatApp } from "../chat/app.js";
import { sandboxSessions } from "./session.js";

const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const session = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,100}$/, "1–100 letters, digits, dots, dashes, colons or underscores");

const postBody = z
  .object({
    session,
    as: z
      .string()
      .regex(
        new RegExp(`^(new|(contractor|marketer|customer):${UUID})$`),
        'use "new", "contractor:<id>" or "customer:<id>"',
      ),
    text: z.string().max(20_000).optional(),
    choice: z.string().min(1).max(64).optional(),
    reply_to: z.string().max(100).optional().describe("the id of one of our messages this one answers"),
    id: z.string().min(1).max(100).optional().describe("your id for this message: sending it twice is handled once"),
    name: z.string().max(100).optional(),
    language: z.string().max(10).optional(),
  })
  .strict()
  .refine((b) => (b.text === undefined) !== (b.choice === undefined), {
    message: "send exactly one of text or choice",
    path: ["text"],
  });

function error(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ error: { code, message, details: null } });
}

/**
 * The browser sandbox channel over HTTP: talk to the chat app as a contractor, a customer or a
 * stranger (session = the sandbox address), and read what the chat app sent back. Acting as
 * anyone is an admin's power (a sandbox message can bid, answer a lead — which charges the
 * contractor — or reach a real customer), so every call needs an admin API key, checked before
 * the body is read; a contractor key is 403. Where the sandbox is off (`SANDBOX_ENABLED=false`,
 * the default with `DEMO_DATA=false`) the routes do not exist: 404 NOT_FOUND. The panel's
 * Sandbox page posts to its own panel route (session + admin role), not here.
 */
export function sandboxRoutes(deps: CoreDeps, chat: ChatApp): FastifyPluginAsyncZod {
  return async (app) => {
    if (!deps.config.sandboxEnabled) return;
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.addHook("onRequest", async (req: FastifyRequest, reply: FastifyReply) => {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
      if (!m?.[1]) return error(reply, 401, "UNAUTHORIZED", "send an admin API key as Authorization: Bearer <key>");
      const scope = await resolveApiKey(deps.prisma, m[1], deps.clock.now());
      if (!scope) return error(reply, 401, "UNAUTHORIZED", "unknown or revoked API key");
      if (!isAdmin(scope)) return error(reply, 403, "FORBIDDEN", "the sandbox needs an admin API key");
    });

    const sessions = sandboxSessions(deps, chat);

    app.post(
      "/messages",
      { schema: { tags: ["sandbox"], summary: "Send a message to the chat app as someone", body: postBody } },
      async (req, reply) => {
        const b = req.body;
        const res = await sessions.send({ ...b, replyTo: b.reply_to });
        if (!res.ok) return error(reply, ERROR_CODES[res.code], res.code, res.message);
        const { inboundId, status, ...page } = res.value;
        return reply.code(status === "duplicate" ? 200 : 201).send({ inbound_id: inboundId, status, ...page });
      },
    );

    app.get(
      "/messages",
      {
        schema: {
          tags: ["sandbox"],
          summary: "What the chat app sent to a sandbox session (from position `after`)",
          querystring: z.object({ session, after: z.coerce.number().int().min(0).max(1_000_000).default(0) }),
        },
      },
      async (req) => sessions.messagesOf(req.query.session, req.query.after),
    );
  };
}
