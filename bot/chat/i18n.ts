import { readFileSync } from "node:fs";
import i18next, { type TFunction } from "i18next";

/** Languages the chat speaks; the first is the fallback. */
export const LANGUAGES = ["en", "da"] as const;
export type Lang = (typeof LANGUAGES)[number];

const LOCALES: Record<Lang, string> = { en: "en-US", da: "da-DK" };

function catalogue(lang: Lang): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../i18n/${lang}.json`, import.meta.url), "utf8")) as Record<string, unknown>;
}

const i18n = i18next.createInstance();
void i18n.init({
  resources: Object.fromEntries(LANGUAGES.map((l) => [l, { translation: catalogue(l) }])),
  fallbackLng: "en",
  supportedLngs: [...LANGUAGES],
  initAsync: false,
  returnNull: false,
  interpolation: { escapeValue: false },
});

/** The first supported language among the candidates (IETF tags such as "da-DK" count as "da"). */
export function pickLanguage(...candidates: Array<string | null | undefined>): Lang {
  for (const c of candidates) {
    const base = c?.toLowerCase().split(/[-_]/)[0];
    if (base && (LANGUAGES as readonly string[]).includes(base)) return base as Lang;
  }
  return "en";
}

/** A `t` bound to one language. */
export function translator(lang: Lang): TFunction {
  return i18n.getFixedT(lang);
}

/** US dollars in the person's locale: $51.00 / 51,00 US$. */
export function formatMoney(amount: string | number, lang: Lang): string {
  return new Intl.NumberFormat(LOCALES[lang], { style: "currency", currency: "USD" }).format(Number(amount));
}

/** A plain number with up to two decimals in the person's locale: 1.25 / 1,25. */
export function formatNumber(value: number, lang: Lang, minDecimals = 0): string {
  return new Intl.NumberFormat(LOCALES[lang], {
    minimumFractionDigits: minDecimals,
    maximumFractionDigits: 2,
  }).format(value);
}

/** A clock time in the person's time zone: 11:15. Unknown zones fall back to UTC. */
export function formatTime(at: Date | string, lang: Lang, tz: string): string {
  const date = typeof at === "string" ? new Date(at) : at;
  try {
    return new Intl.DateTimeFormat(LOCALES[lang], { hour: "2-digit", minute: "2-digit", timeZone: tz }).format(date);
  } catch {
    return new Intl.DateTimeFormat(LOCALES[lang], { hour: "2-digit", minute: "2-digit", timeZone: "UTC" }).format(date);
  }
}

/** A date in the person's time zone: Jan 5 / 5. jan. */
export function formatDate(at: Date, lang: Lang, tz: string): string {
  try {
    return new Intl.DateTimeFormat(LOCALES[lang], { month: "short", day: "numeric", timeZone: tz }).format(at);
  } catch {
    return at.toISOString().slice(0, 10);
  }
}

/** A duration for people: "1 h 25 min", "45 min". */
export function formatDuration(minutes: number, t: TFunction): string {
  const m = Math.max(0, Math.round(minutes));
  const h = Math.floor(m / 60);
  const rest = m % 60;
  if (h === 0) return t("duration.minutes", { count: rest });
  if (rest === 0) return t("duration.hours", { count: h });
  return t("duration.hours_minutes", { hours: h, minutes: rest });
}
