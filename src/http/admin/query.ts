import { HttpProblem } from "../problem.ts";

/**
 * The query of a request URL as one string per name, exactly as sent. Elysia's own parsing splits a
 * value at commas and reads `[…]` / `{…}` as JSON, so `?endpoint=a,b` became an array the schemas
 * refuse; here a comma is part of the value. A name given twice answers 422: a list filter takes one
 * value, and silently using one of two would hide the other.
 */
export function singleValueQuery(url: string): Record<string, string> {
  const query: Record<string, string> = Object.create(null);
  const q = url.indexOf("?");
  if (q === -1) return query;
  for (const [name, value] of new URLSearchParams(url.slice(q + 1))) {
    if (name in query) {
      throw new HttpProblem(422, "the request query is invalid", [{ path: `query.${name.slice(0, 100)}`, message: `give ${name.slice(0, 100)} once: a filter takes one value` }]);
    }
    query[name] = value;
  }
  return query;
}
