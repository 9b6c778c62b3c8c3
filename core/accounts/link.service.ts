import type { ChannelIdentity, ChannelKind, User } from "../../prisma/generated/client.js";
import { contractorActor, writeAudit } from "../audit.js";
import type { CoreDeps } from "../context.js";
import { fail, ok, type Result } from "../errors.js";
import { isUuid } from "../ids.js";
import { transact } from "../service.js";

/** Link codes are typed on a phone: compare them upper-cased, without spaces or dashes. */
export function normalizeLinkCode(raw: string): string {
  return raw.replace(/[\s-]+/g, "").toUpperCase();
}

/**
 * Link a chat identity to an account with a one-time code (`/start CODE`). A code works once
 * and for 24 hours; sending the same code again from the chat it already linked is harmless.
 * An identity that belongs to a customer is never turned into a user's.
 */
export async function redeemLinkCode(
  deps: CoreDeps,
  input: { identityId: string; code: string },
): Promise<Result<{ user: User; alreadyLinked: boolean }>> {
  const code = normalizeLinkCode(input.code);
  if (!/^[A-Z0-9]{4,32}$/.test(code)) return fail("LINK_CODE_UNKNOWN", "this is not a link code");
  return transact<{ user: User; alreadyLinked: boolean }>(deps, async ({ tx, now }) => {
    const row = await tx.linkCode.findUnique({ where: { code }, include: { user: true } });
    if (!row) return fail("LINK_CODE_UNKNOWN", "no such link code");
    const identity = await tx.channelIdentity.findUniqueOrThrow({ where: { id: input.identityId } });
    if (row.used_at) {
      if (identity.user_id === row.user_id) return ok({ user: row.user, alreadyLinked: true });
      return fail("LINK_CODE_USED", "this link code was already used");
    }
    if (row.expires_at <= now) return fail("LINK_CODE_EXPIRED", "this link code has expired");
    if (identity.customer_id) return fail("CONFLICT", "this chat belongs to a customer record");
    const claimed = await tx.linkCode.updateMany({ where: { id: row.id, used_at: null }, data: { used_at: now } });
    if (claimed.count === 0) return fail("LINK_CODE_USED", "this link code was already used");
    await tx.channelIdentity.update({ where: { id: identity.id }, data: { user_id: row.user_id, updated_at: now } });
    await writeAudit(tx, {
      actor: contractorActor(row.user_id),
      action: "chat.linked",
      entityType: "channel_identity",
      entityId: identity.id,
      after: { channel: identity.channel, user_id: row.user_id, previous_user_id: identity.user_id },
      at: now,
    });
    return ok({ user: row.user, alreadyLinked: false });
  });
}

/**
 * Someone unknown asks for access from a chat: a pending contractor account named after the
 * chat is created and linked to it, for an admin to approve (or disable). Asking twice is
 * answered with ACCESS_ALREADY_REQUESTED, not a second account.
 */
export async function requestAccess(
  deps: CoreDeps,
  input: { identityId: string; name: string; language: string },
): Promise<Result<User>> {
  return transact(deps, async ({ tx, now }) => {
    const identity = await tx.channelIdentity.findUniqueOrThrow({
      where: { id: input.identityId },
      include: { user: true },
    });
    if (identity.user?.account_status === "pending") {
      return fail("ACCESS_ALREADY_REQUESTED", "an access request from this chat is waiting for review");
    }
    if (identity.user_id || identity.customer_id) return fail("CONFLICT", "this chat is already linked");
    const name = input.name.trim().slice(0, 255) || `${identity.channel} ${identity.address}`;
    const user = await tx.user.create({
      data: {
        name,
        role: "contractor",
        is_contractor: true,
        account_status: "pending",
        language: input.language,
        timezone: deps.config.defaultTimezone,
        created_at: now,
        updated_at: now,
      },
    });
    await tx.contractorMetrics.create({ data: { contractor_id: user.id, updated_at: now } });
    await tx.channelIdentity.update({ where: { id: identity.id }, data: { user_id: user.id, updated_at: now } });
    await writeAudit(tx, {
      actor: contractorActor(user.id),
      action: "access.requested",
      entityType: "user",
      entityId: user.id,
      after: { channel: identity.channel, address: identity.address, name },
      at: now,
    });
    return ok(user);
  });
}

/**
 * Bind an address to a person directly (an admin linking a number, or the dev sandbox acting
 * as someone): the identity is created if needed and points at exactly one user or customer.
 */
export async function bindIdentity(
  deps: CoreDeps,
  input: { channel: ChannelKind; address: string; userId?: string; customerId?: string },
): Promise<Result<ChannelIdentity>> {
  const { userId, customerId } = input;
  if ((userId ? 1 : 0) + (customerId ? 1 : 0) !== 1) return fail("VALIDATION_FAILED", "give a user or a customer");
  if (!isUuid(userId ?? customerId)) return fail("NOT_FOUND", "no such person");
  return transact(deps, async ({ tx, now }) => {
    const exists = userId
      ? await tx.user.count({ where: { id: userId, role: { in: ["contractor", "marketer"] } } })
      : await tx.customer.count({ where: { id: customerId } });
    if (exists === 0) return fail("NOT_FOUND", userId ? "no such contractor or marketer" : "no such customer");
    const link = { user_id: userId ?? null, customer_id: customerId ?? null };
    const identity = await tx.channelIdentity.upsert({
      where: { channel_address: { channel: input.channel, address: input.address } },
      create: { channel: input.channel, address: input.address, ...link, created_at: now, updated_at: now },
      update: { ...link, updated_at: now },
    });
    return ok(identity);
  });
}
