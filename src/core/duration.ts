/** Durations in config are numbers of milliseconds or strings like "30s", "2m", "1h", "30d". */
const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return null;
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
}

export function toMs(value: string | number): number {
  if (typeof value === "number") return value;
  const ms = parseDuration(value);
  if (ms === null) throw new Error(`not a duration: ${value}`);
  return ms;
}
