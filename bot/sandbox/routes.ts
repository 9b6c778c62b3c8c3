import type { FastifyReply, FastifyRequest } from "fastify";
import { type FastifyPluginAsyncZod, serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { z } from "zod";
import { resolveApiKey } from "../../core/accounts/api-key.service.js";
import { bindIdentity } from "../../core/accounts/link.service.js";
import type { CoreDeps } from "../../core/context.js";
import { ERROR_CODES } from "../../core/errors.js";
import type { ChatApp } from "../chat/app.js";
import { audienceOf, renderForAudience } from "../chat/outbound.js";

const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const session = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,100}$/, "1–100 letters, digits, dots, dashes, colons or underscores");
const PAGE = 200;

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
 * stranger (session = the sandbox address), and read what the chat app sent back. Open in
 * development and tests; with NODE_ENV=production it needs an admin API key.
 */
export function sandboxRoutes(deps: CoreDeps, chat: ChatApp): FastifyPluginAsyncZod {
  return async (app) => {
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.addHook("preHandler", async (req: FastifyRequest, reply: FastifyReply) => {
      if (deps.config.env !== "production") return;
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
      const scope = m?.[1] ? await resolveApiKey(deps.prisma, m[1], deps.clock.now()) : null;
      if (scope?.kind !== "admin") return error(reply, 401, "UNAUTHORIZED", "the sandbox needs an admin API key here");
    });

    /** The session's messages from position `after` on, in the reader's language. */
    async function messagesOf(sessionId: string, after: number) {
      const where = { channel: "sandbox" as const, to_address: sessionId };
      const rows = await deps.prisma.outboundMessage.findMany({
        where,
        orderBy: [{ created_at: "asc" }, { id: "asc" }],
        skip: after,
        take: PAGE,
      });
      const audience = await audienceOf(deps, "sandbox", sessionId);
      const now = deps.clock.now();
      const messages = rows.map((row, i) => {
        const { body, buttons } = renderForAudience(row, audience, now);
        const payload = (row.payload ?? {}) as { edit?: boolean; ref_outbox_id?: string };
        return {
          seq: after + i,
          id: row.id,
          kind: row.kind,
          text: body,
          buttons,
          edit_of: payload.edit ? (payload.ref_outbox_id ?? null) : null,
          lead_id: row.lead_id,
          status: row.status,
          created_at: row.created_at.toISOString(),
        };
      });
      return { messages, next: after + messages.length };
    }

    app.post(
      "/messages",
      { schema: { tags: ["sandbox"], summary: "Send a message to the chat app as someone", body: postBody } },
      async (req, reply) => {
        const b = req.body;
        const [role, personId] = b.as.split(":") as [string, string | undefined];
        if (role !== "new" && personId) {
          const bound = await bindIdentity(deps, {
            channel: "sandbox",
            address: b.session,
            ...(role === "customer" ? { customerId: personId } : { userId: personId }),
          });
          if (!bound.ok) return error(reply, ERROR_CODES[bound.code], bound.code, bound.message);
        }
        const before = await deps.prisma.outboundMessage.count({
          where: { channel: "sandbox", to_address: b.session },
        });
        const outcome = await chat.handle({
          channel: "sandbox",
          externalId: b.id ?? `web-${deps.ids.token(12)}`,
          address: b.session,
          displayName: b.name,
          language: b.language,
          text: b.text,
          choice: b.choice,
          replyTo: b.reply_to,
        });
        const page = await messagesOf(b.session, before);
        return reply.code(outcome.status === "duplicate" ? 200 : 201).send({
          inbound_id: outcome.inboundId,
          status: outcome.status,
          ...page,
        });
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
      async (req) => messagesOf(req.query.session, req.query.after),
    );
  };
}
