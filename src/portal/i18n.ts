import { CATALOGS, isLocale, type Catalog } from "./messages/index.ts";
import type { Locale } from "./messages/locales.ts";

export { pickLocale } from "./messages/index.ts";
export type { Catalog };

/**
 * The portal's words: one catalog per language (messages/), the page's language chosen once per sign-in and read
 * by every component as it renders. English is the source of truth; a missing German key fails the type check
 * and test/portal/messages.test.ts.
 */
let current: Locale = "en";

/** The keys whose message is a plain text (no blanks). */
export type Text = { [K in keyof Catalog]: Catalog[K] extends string ? K : never }[keyof Catalog];

type Args<K extends keyof Catalog> = Catalog[K] extends (...args: infer A) => string ? A : [];

/** The message `key` in the page's language; a message with blanks takes their values. */
export function t<K extends keyof Catalog>(key: K, ...args: Args<K>): string {
  const message = CATALOGS[current][key] as string | ((...a: unknown[]) => string);
  return typeof message === "function" ? message(...args) : message;
}

/** The languages `portal.locales` offers (the server writes them on <html data-locales>), the first the fallback. */
export function offered(): Locale[] {
  const listed = (document.documentElement.dataset.locales ?? "").split(" ").filter(isLocale);
  return listed.length ? listed : ["en"];
}

/** Sets the page's language: the messages, dates and numbers, and <html lang> for screen readers. */
export function setLocale(locale: Locale): void {
  current = locale;
  document.documentElement.lang = locale;
}

export const locale = (): Locale => current;

/** A date and time in the page's language and the browser's zone. */
export const formatDate = (date: Date, options: Intl.DateTimeFormatOptions = { dateStyle: "medium", timeStyle: "medium" }) =>
  new Intl.DateTimeFormat(current, options).format(date);

/** A number in the page's language (1,234 or 1.234). */
export const formatNumber = (n: number, options?: Intl.NumberFormatOptions) => new Intl.NumberFormat(current, options).format(n);
