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
  return /^(\*|[A-Za-z0-9_\-:]+(\.[A-Za-z0-9_\-:]+)*(\.\*)?)$/.test(pattern);
}
