import { redeemLinkCode, requestAccess } from "../../../core/accounts/link.service.js";
import { languageOf } from "../context.js";
import { failureText } from "../failures.js";
import { translator } from "../i18n.js";
import type { ChatContext, Feature } from "../types.js";
import { isCommand, userOf } from "./match.js";

const ACCESS_REQUEST = "access:request";

function askForCode(ctx: ChatContext): void {
  ctx.reply(ctx.t("link.unknown_person"), { buttons: [{ label: ctx.t("link.request_button"), data: ACCESS_REQUEST }] });
}

/** `/start CODE` links this chat to an account; `/start` alone greets or explains how. */
export const start: Feature = {
  name: "link.start",
  match: (ctx) => isCommand(ctx, "start"),
  async handle(ctx) {
    const code = ctx.command?.args ?? "";
    const user = userOf(ctx);
    if (!code) {
      if (user) ctx.reply(ctx.t("link.already_linked", { name: user.name }));
      else askForCode(ctx);
      return;
    }
    const r = await redeemLinkCode(ctx.deps, { identityId: ctx.person.identity.id, code });
    if (!r.ok) {
      ctx.reply(failureText(ctx, "redeemLinkCode", r, { code: code.slice(0, 40) }));
      return;
    }
    // From now on this is the user: greet them in their own language.
    const t = translator(
      languageOf({ kind: "user", identity: ctx.person.identity, user: r.value.user }, ctx.msg.language),
    );
    const first = r.value.user.role === "contractor" ? "cmd:profile" : "cmd:today";
    ctx.reply(t(r.value.alreadyLinked ? "link.already_linked" : "link.welcome", { name: r.value.user.name }), {
      buttons: [
        { label: t(first === "cmd:profile" ? "buttons.profile" : "buttons.today"), data: first },
        { label: t("buttons.help"), data: "cmd:help" },
      ],
    });
  },
};

/** The "Request access" button: a pending account for an admin to approve. */
export const accessRequest: Feature = {
  name: "link.access_request",
  match: (ctx) => ctx.msg.choice === ACCESS_REQUEST,
  async handle(ctx) {
    const name = ctx.msg.displayName ?? ctx.person.identity.display_name ?? "";
    const r = await requestAccess(ctx.deps, { identityId: ctx.person.identity.id, name, language: ctx.lang });
    if (!r.ok) ctx.reply(failureText(ctx, "requestAccess", r));
    else ctx.reply(ctx.t("link.requested", { name: r.value.name }));
  },
};

/** Anything else from someone we do not know: how to get in. */
export const unknownPerson: Feature = {
  name: "link.unknown_person",
  match: (ctx) => ctx.person.kind === "unknown",
  async handle(ctx) {
    askForCode(ctx);
  },
};

/** Pending and disabled accounts get one clear sentence, whatever they send. */
export const accountGate: Feature = {
  name: "link.account_gate",
  match: (ctx) => {
    const user = userOf(ctx);
    return user !== null && user.account_status !== "active";
  },
  async handle(ctx) {
    const pending = userOf(ctx)?.account_status === "pending";
    ctx.reply(ctx.t(pending ? "common.account_pending" : "common.account_disabled"));
  },
};
