import { describe, expect, test } from "bun:test";
import { CATALOGS, pickLocale } from "../../src/portal/messages/index.ts";
import { en } from "../../src/portal/messages/en.ts";
import { LOCALES } from "../../src/portal/messages/locales.ts";

/** Sample values for a message's blanks: numbers where the English one counts, else words. */
const argsOf = (message: (...a: never[]) => string) => Array.from({ length: message.length }, (_, i) => (i === 0 ? 1 : "x")) as never[];

describe("the portal's message catalogs", () => {
  test("every language ships a catalog", () => {
    expect(Object.keys(CATALOGS).sort()).toEqual([...LOCALES].sort());
  });

  for (const locale of LOCALES) {
    test(`${locale}: every English key is there, none empty, none extra, blanks alike`, () => {
      const catalog = CATALOGS[locale] as Record<string, unknown>;
      const missing = Object.keys(en).filter((key) => !(key in catalog));
      const extra = Object.keys(catalog).filter((key) => !(key in en));
      expect({ missing, extra }).toEqual({ missing: [], extra: [] });
      const wrong: string[] = [];
      for (const [key, source] of Object.entries(en)) {
        const message = catalog[key];
        if (typeof source === "string") {
          if (typeof message !== "string" || !message.trim()) wrong.push(`${key}: must be a non-empty text`);
        } else if (typeof message !== "function" || message.length !== source.length) {
          wrong.push(`${key}: must be a function of ${source.length} blanks`);
        } else {
          const text = (message as (...a: never[]) => string)(...argsOf(source));
          if (typeof text !== "string" || !text.trim() || /undefined|\[object/.test(text)) wrong.push(`${key}: gave "${text}"`);
        }
      }
      expect(wrong).toEqual([]);
    });
  }

  test("German is German: no message equal to its English one but the few words both languages share", () => {
    const shared = new Set(["navLabel", "status", "colStatus", "schemeStandard", "url", "token", "filterMatchAfter", "filterNoMatchAfter"]);
    const same = Object.entries(en).filter(([key, text]) => typeof text === "string" && !shared.has(key) && CATALOGS.de[key as keyof typeof en] === text);
    expect(same.map(([key]) => key)).toEqual([]);
  });
});

describe("the page's language", () => {
  test.each([
    ["de", ["en-US"], ["en", "de"], "de", "the session's locale wins over the browser's"],
    [undefined, ["de-AT", "en"], ["en", "de"], "de", "the browser's first offered language, by its primary tag"],
    [undefined, ["fr-FR", "de"], ["en", "de"], "de", "a language not offered is skipped"],
    [undefined, ["fr-FR"], ["en", "de"], "en", "none offered: the first offered"],
    ["de", ["de"], ["en"], "en", "the session's locale not offered: the first offered"],
    [undefined, [], ["de", "en"], "de", "no browser language: the first offered"],
  ] as const)("%p with %p, offered %p → %p (%s)", (wanted, browser, offer, expected) => {
    expect(pickLocale(wanted, browser, [...offer])).toBe(expected);
  });
});
