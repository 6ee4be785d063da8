import { parseDuration } from "../core/duration.ts";

/** What the endpoint reads (the API's Endpoint has it); structural, so this file stays free of the browser's parts. */
type Ordered = { ordering: { maxBlock: string | number } | null };

export const MAX_BLOCK_WORDS = "Enter a time above zero, like 30m, 1h or 2d (a number with s, m, h or d).";

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
  return ms !== null && ms > 0 ? null : MAX_BLOCK_WORDS;
}

const UNITS: [number, string][] = [[86_400_000, "day"], [3_600_000, "hour"], [60_000, "minute"], [1_000, "second"], [1, "millisecond"]];

/** "90m" → "90 minutes", "1h" → "1 hour": the largest unit that says it whole. */
export function inWords(maxBlock: string | number): string {
  const ms = typeof maxBlock === "number" ? maxBlock : parseDuration(maxBlock);
  if (ms === null) return String(maxBlock);
  const [size, unit] = UNITS.find(([size]) => ms % size === 0) ?? UNITS.at(-1)!;
  const n = ms / size;
  return `${n.toLocaleString()} ${unit}${n === 1 ? "" : "s"}`;
}

/** The endpoint page's line about it. */
export const orderingSummary = (endpoint: Ordered): string => (endpoint.ordering
  ? `In order: events with the same ordering key arrive one after another; one that keeps failing holds up the rest for at most ${inWords(endpoint.ordering.maxBlock)}`
  : "As fast as possible, in any order");
