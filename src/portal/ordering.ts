import { parseDuration } from "../core/duration.ts";
import { formatNumber, t, type Catalog } from "./messages/index.ts";

/** What the endpoint reads (the API's Endpoint has it); structural, so this file stays free of the browser's parts. */
type Ordered = { ordering: { maxBlock: string | number } | null };

/** What a maxBlock that is no duration over zero gets, in the page's language. */
export const maxBlockWords = () => t("maxBlockWords");

/** What a new endpoint's form offers (DESIGN §13's example). */
export const DEFAULT_MAX_BLOCK = "1h";

/** The endpoint's maxBlock as the form shows it: a config's milliseconds as "…ms". */
export const maxBlockText = (endpoint?: Ordered): string => {
  const maxBlock = endpoint?.ordering?.maxBlock;
  return maxBlock == null ? DEFAULT_MAX_BLOCK : typeof maxBlock === "number" ? `${maxBlock}ms` : maxBlock;
};

/** The API's rule (a duration over zero), with the same parser, so the form refuses what a save would. */
export function maxBlockProblem(text: string): string | null {
  const ms = parseDuration(text);
  return ms !== null && ms > 0 ? null : maxBlockWords();
}

type Unit = "unitDay" | "unitHour" | "unitMinute" | "unitSecond" | "unitMillisecond";
const UNITS: [number, Unit & keyof Catalog][] = [[86_400_000, "unitDay"], [3_600_000, "unitHour"], [60_000, "unitMinute"], [1_000, "unitSecond"], [1, "unitMillisecond"]];

/** "90m" → "90 minutes", "1h" → "1 hour": the largest unit that says it whole. */
export function inWords(maxBlock: string | number): string {
  const ms = typeof maxBlock === "number" ? maxBlock : parseDuration(maxBlock);
  if (ms === null) return String(maxBlock);
  const [size, unit] = UNITS.find(([size]) => ms % size === 0) ?? UNITS.at(-1)!;
  const n = ms / size;
  return t(unit, n, formatNumber(n));
}

/** The endpoint page's line about it. */
export const orderingSummary = (endpoint: Ordered): string => (endpoint.ordering
  ? t("inOrderSummary", inWords(endpoint.ordering.maxBlock))
  : t("anyOrder"));
