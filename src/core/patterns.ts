/**
 * The event-type name rule, the one for the catalog, the admin API and ingest: dot-separated words of ASCII
 * letters, digits, `_`, `-` and `:`. A type travels in the `webhook-event` header, so CR/LF, NUL and anything
 * outside Latin-1 must never get in.
 */
const EVENT_TYPE = /^[A-Za-z0-9_\-:]+(\.[A-Za-z0-9_\-:]+)*$/;
export const MAX_TYPE_LENGTH = 200;
export const EVENT_TYPE_RULE = `must be a dotted event type name like "job.completed": letters, digits, '_', '-' or ':' between dots, at most ${MAX_TYPE_LENGTH} characters`;

export function isValidEventType(type: string): boolean {
  return type.length <= MAX_TYPE_LENGTH && EVENT_TYPE.test(type);
}

/** Event-type patterns: an exact type, `*` (all), or `prefix.*` (every type starting with `prefix.`). */
export function matchesPattern(type: string, pattern: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return type.startsWith(pattern.slice(0, -1));
  return type === pattern;
}

export function matchesAny(type: string, patterns: readonly string[]): boolean {
  for (const pattern of patterns) if (matchesPattern(type, pattern)) return true;
  return false;
}

export function isValidPattern(pattern: string): boolean {
  return pattern === "*" || isValidEventType(pattern.endsWith(".*") ? pattern.slice(0, -2) : pattern);
}

/**
 * The exact types among `patterns` that a catalog does not list (own keys only: `constructor` or `__proto__`
 * are not event types just because every object has them), with their index.
 */
export function unlistedTypes(patterns: readonly string[], catalog: object | undefined): { index: number; type: string }[] {
  if (!catalog) return [];
  return patterns.flatMap((type, index) =>
    type === "*" || type.endsWith(".*") || Object.hasOwn(catalog, type) ? [] : [{ index, type }]);
}
