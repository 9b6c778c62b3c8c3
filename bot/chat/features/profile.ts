import {
  type ContractorProfile,
  changeServiceZips,
  contractorProfile,
  setCategory,
  ZIP_PATTERN,
} from "../../../core/accounts/profile.service.js";
import { failureText } from "../failures.js";
import type { ChatButton, ChatContext, Feature } from "../types.js";
import { contractorOnly } from "./leads.js";
import { isChoice, isCommand } from "./match.js";

/** Button data of the profile: list ZIPs to remove, list categories, remove one ZIP, set one category. */
const ZIPS_REMOVE = "prof:rm";
const CATEGORIES = "prof:cats";
const ZIP_RM_PREFIX = "zip:rm:";
const CAT_PREFIX = "cat:";
const SHOWN_ZIPS = 30;
const MAX_BUTTONS = 20;
const REMOVE_WORDS = /^(?:remove|rm|delete|del|fjern|slet)$/i;
const ADD_WORDS = /^(?:add|tilføj)$/i;

function zipLine(ctx: ChatContext, zips: readonly string[]): string {
  if (zips.length === 0) return ctx.t("profile.zips_none");
  const shown = zips.slice(0, SHOWN_ZIPS).join(", ");
  const more = zips.length > SHOWN_ZIPS ? ctx.t("profile.more", { count: zips.length - SHOWN_ZIPS }) : "";
  return ctx.t("profile.zips", { count: zips.length, zips: `${shown}${more}` });
}

function categoryLine(ctx: ChatContext, p: ContractorProfile): string {
  const names = p.categories.filter((c) => c.selected).map((c) => c.name);
  return names.length > 0 ? ctx.t("profile.categories", { names: names.join(", ") }) : ctx.t("profile.categories_none");
}

/** The profile's own buttons: add ZIPs (asks for them), remove ZIPs, categories. */
function profileButtons(ctx: ChatContext, p: ContractorProfile): ChatButton[] {
  return [
    { label: ctx.t("profile.add_button"), data: "cmd:zips" },
    ...(p.zips.length > 0 ? [{ label: ctx.t("profile.remove_button"), data: ZIPS_REMOVE }] : []),
    { label: ctx.t("profile.categories_button"), data: CATEGORIES },
  ];
}

/** One button per category, ✓ on the ones taken; a tap sets the other state (`cat:+:<id>` / `cat:-:<id>`). */
function categoryButtons(p: ContractorProfile): ChatButton[] {
  return p.categories.slice(0, MAX_BUTTONS).map((c) => ({
    label: c.selected ? `✓ ${c.name}` : c.name,
    data: `${CAT_PREFIX}${c.selected ? "-" : "+"}:${c.id}`,
  }));
}

function showProfile(ctx: ChatContext, p: ContractorProfile, first?: string): void {
  const lines = [
    ...(first ? [first, ""] : []),
    ctx.t("profile.title"),
    zipLine(ctx, p.zips),
    categoryLine(ctx, p),
    "",
    ctx.t("profile.hint"),
  ];
  ctx.reply(lines.join("\n"), { buttons: profileButtons(ctx, p) });
}

/** `/profile`: the service ZIPs and categories that decide which lead offers arrive, with buttons to change them. */
export const profile: Feature = {
  name: "profile",
  match: (ctx) => isCommand(ctx, "profile"),
  async handle(ctx) {
    const userId = contractorOnly(ctx);
    if (!userId) return;
    const r = await contractorProfile(ctx.deps, userId);
    if (!r.ok) return void ctx.reply(failureText(ctx, "profile", r));
    showProfile(ctx, r.value);
  },
};

/** "85001, 85002 -85004" → what to add and remove, and the words that are no ZIP code. */
function parseZipArgs(args: string): { add: string[]; remove: string[]; invalid: string[] } {
  const words = args
    .split(/[\s,;]+/)
    .filter(Boolean)
    .slice(0, 600);
  const out = { add: [] as string[], remove: [] as string[], invalid: [] as string[] };
  let removing = false;
  for (const [i, word] of words.entries()) {
    if (i === 0 && REMOVE_WORDS.test(word)) removing = true;
    else if (i === 0 && ADD_WORDS.test(word)) removing = false;
    else {
      const sign = /^[+-]/.exec(word)?.[0];
      const zip = sign ? word.slice(1) : word;
      if (!ZIP_PATTERN.test(zip)) out.invalid.push(word);
      else if (sign === "-" || (removing && sign !== "+")) out.remove.push(zip);
      else out.add.push(zip);
    }
  }
  return out;
}

/** `/zips 85001 85002` adds, `/zips remove 85001` (or `-85001`) removes; `/zips` alone shows them and how. */
export const zips: Feature = {
  name: "profile.zips",
  match: (ctx) => isCommand(ctx, "zips", "zip"),
  async handle(ctx) {
    const userId = contractorOnly(ctx);
    if (!userId) return;
    const args = ctx.command?.args ?? "";
    const parsed = parseZipArgs(args);
    if (parsed.invalid.length > 0) {
      const shown = parsed.invalid.slice(0, 5).map((w) => `“${[...w].slice(0, 12).join("")}”`);
      return void ctx.reply(ctx.t("profile.bad_zips", { count: parsed.invalid.length, words: shown.join(", ") }));
    }
    if (parsed.add.length + parsed.remove.length === 0) {
      const r = await contractorProfile(ctx.deps, userId);
      if (!r.ok) return void ctx.reply(failureText(ctx, "profile", r));
      return void ctx.reply(`${zipLine(ctx, r.value.zips)}\n\n${ctx.t("profile.zips_usage")}`, {
        buttons: profileButtons(ctx, r.value),
      });
    }
    const r = await changeServiceZips(ctx.deps, { userId, add: parsed.add, remove: parsed.remove });
    if (!r.ok) return void ctx.reply(failureText(ctx, "profile", r));
    const { added, removed } = r.value;
    const said = [
      ...(added.length > 0 ? [ctx.t("profile.added", { count: added.length, zips: added.join(", ") })] : []),
      ...(removed.length > 0 ? [ctx.t("profile.removed", { count: removed.length, zips: removed.join(", ") })] : []),
    ];
    showProfile(ctx, r.value, said.length > 0 ? said.join("\n") : ctx.t("profile.unchanged"));
  },
};

/** The profile's buttons: list ZIPs to remove or categories; remove one ZIP; take or drop one category. */
export const profileButton: Feature = {
  name: "profile.button",
  match: (ctx) =>
    ctx.msg.choice === ZIPS_REMOVE ||
    ctx.msg.choice === CATEGORIES ||
    isChoice(ctx, ZIP_RM_PREFIX) ||
    isChoice(ctx, CAT_PREFIX),
  async handle(ctx) {
    const userId = contractorOnly(ctx);
    if (!userId) return;
    const choice = ctx.msg.choice ?? "";
    if (choice.startsWith(ZIP_RM_PREFIX)) {
      const zip = choice.slice(ZIP_RM_PREFIX.length);
      if (!ZIP_PATTERN.test(zip)) return void ctx.reply(ctx.t("common.button_unknown"));
      const r = await changeServiceZips(ctx.deps, { userId, remove: [zip] });
      if (!r.ok) return void ctx.reply(failureText(ctx, "profile", r));
      const said = r.value.removed.length > 0 ? ctx.t("profile.removed", { count: 1, zips: zip }) : null;
      return showProfile(ctx, r.value, said ?? ctx.t("profile.zip_not_there", { zip }));
    }
    if (choice.startsWith(CAT_PREFIX)) {
      const [, sign = "", id = ""] = choice.split(":");
      if (sign !== "+" && sign !== "-") return void ctx.reply(ctx.t("common.button_unknown"));
      const r = await setCategory(ctx.deps, { userId, categoryId: id, selected: sign === "+" });
      if (!r.ok) return void ctx.reply(failureText(ctx, "profile", r));
      const key = r.value.category.selected ? "profile.category_added" : "profile.category_removed";
      const lines = [ctx.t(key, { name: r.value.category.name }), categoryLine(ctx, r.value)];
      return void ctx.reply(lines.join("\n"), { buttons: categoryButtons(r.value) });
    }
    const r = await contractorProfile(ctx.deps, userId);
    if (!r.ok) return void ctx.reply(failureText(ctx, "profile", r));
    if (choice === CATEGORIES) {
      if (r.value.categories.length === 0) return void ctx.reply(ctx.t("profile.no_categories"));
      return void ctx.reply(`${categoryLine(ctx, r.value)}\n${ctx.t("profile.categories_pick")}`, {
        buttons: categoryButtons(r.value),
      });
    }
    if (r.value.zips.length === 0) return void ctx.reply(ctx.t("profile.zips_none"));
    const more = r.value.zips.length > MAX_BUTTONS ? `\n${ctx.t("profile.remove_more")}` : "";
    ctx.reply(`${ctx.t("profile.remove_pick")}${more}`, {
      buttons: r.value.zips.slice(0, MAX_BUTTONS).map((z) => ({ label: `✕ ${z}`, data: `${ZIP_RM_PREFIX}${z}` })),
    });
  },
};
