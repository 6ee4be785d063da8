import { HttpProblem } from "../problem.ts";

/**
 * Opaque page cursors: the sort key of the last row shown. The next page starts strictly after it, so
 * rows written meanwhile (all newer, so earlier in newest-first order) neither repeat nor shift a page.
 */
export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString("base64url");
}

export function decodeCursor<T extends (string | number)[]>(cursor: string | undefined, shape: ("string" | "number")[]): T | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  let parts: unknown;
  try { parts = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")); } catch { parts = null; }
  const ok = Array.isArray(parts) && parts.length === shape.length && parts.every((p, i) => typeof p === shape[i]);
  if (!ok) throw new HttpProblem(422, "the cursor is not one this API gave out", [{ path: "query.cursor", message: "pass nextCursor from the previous page unchanged" }]);
  return parts as T;
}

export const DEFAULT_LIMIT = 20;
