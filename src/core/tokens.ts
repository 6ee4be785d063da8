import { createHash, timingSafeEqual } from "node:crypto";

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Finds the entry whose token equals the presented one, comparing every entry in constant time
 * (hashing first makes the lengths equal), so timing reveals neither which entry nor how much matched.
 */
export function findToken<T extends { token: string }>(entries: readonly T[], presented: string): T | null {
  const given = digest(presented);
  let found: T | null = null;
  for (const entry of entries) if (timingSafeEqual(digest(entry.token), given) && !found) found = entry;
  return found;
}

/** The token of an `Authorization: Bearer <token>` header; the scheme name is case-insensitive. */
export function bearerToken(header: string | null): string | null {
  const match = header ? /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
  return match ? match[1]! : null;
}
