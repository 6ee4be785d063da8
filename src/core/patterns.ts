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

/** The namespace of hookgate's own operational events (operational-events.ts): `*` does not match it, sources cannot emit in it. */
export const OPERATIONAL_PREFIX = "hookgate.";
export const isOperationalType = (type: string): boolean => type.startsWith(OPERATIONAL_PREFIX);

/**
 * Event-type patterns: an exact type, `*` (every type but hookgate's own `hookgate.*`), or `prefix.*` (every type
 * starting with `prefix.`). An endpoint subscribes to operational events only by naming them, so one that takes
 * everything never starts receiving hookgate's reports about itself and its neighbours.
 */
export function matchesPattern(type: string, pattern: string): boolean {
  if (pattern === "*") return !isOperationalType(type);
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
 * The exact types among `patterns` that a catalog (or hookgate's own, `own`) does not list (own keys only: `constructor` or `__proto__`
 * are not event types just because every object has them), with their index.
 */
export function unlistedTypes(patterns: readonly string[], catalog: object | undefined, own: object = {}): { index: number; type: string }[] {
  if (!catalog) return [];
  return patterns.flatMap((type, index) =>
    type === "*" || type.endsWith(".*") || Object.hasOwn(catalog, type) || Object.hasOwn(own, type) ? [] : [{ index, type }]);
}
