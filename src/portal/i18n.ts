import { isLocale, speak } from "./messages/index.ts";
import type { Locale } from "./messages/locales.ts";

export { formatDate, formatNumber, locale, pickLocale, t, type Catalog, type Text } from "./messages/index.ts";

/** The languages `portal.locales` offers (the server writes them on <html data-locales>), the first the fallback. */
export function offered(): Locale[] {
  const listed = (document.documentElement.dataset.locales ?? "").split(" ").filter(isLocale);
  return listed.length ? listed : ["en"];
}

/** Sets the page's language: the messages, dates and numbers, and <html lang> for screen readers. */
export function setLocale(locale: Locale): void {
  speak(locale);
  document.documentElement.lang = locale;
}
