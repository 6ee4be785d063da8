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
