import { de } from "./de.ts";
import { en, type Messages } from "./en.ts";
import { LOCALES, type Locale } from "./locales.ts";

/** Every catalog by its language: a new language is a file typed `Messages` (like de.ts), listed here and in LOCALES. */
export type Catalog = Messages;
export const CATALOGS: Record<Locale, Catalog> = { en, de };

export const isLocale = (l: string | undefined): l is Locale => (LOCALES as readonly string[]).includes(l ?? "");

/**
 * The session's `locale` if offered; else the first of the browser's languages that is offered ("de-AT" → de);
 * else the first offered.
 */
export function pickLocale(wanted: string | undefined, browser: readonly string[], offer: Locale[]): Locale {
  if (isLocale(wanted) && offer.includes(wanted)) return wanted;
  for (const tag of browser) {
    const primary = tag.toLowerCase().split("-")[0];
    if (isLocale(primary) && offer.includes(primary)) return primary;
  }
  return offer[0]!;
}

/**
 * The page's language, chosen once per sign-in (i18n.ts's setLocale) and read by every component as it renders.
 * English is the source of truth; a missing German key fails the type check and test/portal/messages.test.ts.
 * Nothing here touches the browser, so plain functions (ordering.ts) and their tests use it too.
 */
let current: Locale = "en";
export const speak = (locale: Locale) => { current = locale; };
export const locale = (): Locale => current;

/** The keys whose message is a plain text (no blanks). */
export type Text = { [K in keyof Catalog]: Catalog[K] extends string ? K : never }[keyof Catalog];

type Args<K extends keyof Catalog> = Catalog[K] extends (...args: infer A) => string ? A : [];

/** The message `key` in the page's language; a message with blanks takes their values. */
export function t<K extends keyof Catalog>(key: K, ...args: Args<K>): string {
  const message = CATALOGS[current][key] as string | ((...a: unknown[]) => string);
  return typeof message === "function" ? message(...args) : message;
}

/** A date and time in the page's language and the browser's zone. */
export const formatDate = (date: Date, options: Intl.DateTimeFormatOptions = { dateStyle: "medium", timeStyle: "medium" }) =>
  new Intl.DateTimeFormat(current, options).format(date);

/** A number in the page's language (1,234 or 1.234). */
export const formatNumber = (n: number, options?: Intl.NumberFormatOptions) => new Intl.NumberFormat(current, options).format(n);
