/**
 * Query parameter names that carry a credential. Such a request is refused even with a valid header:
 * a token in a URL lands in access logs, proxies and browser history. Compared case-insensitively.
 */
const QUERY_TOKENS = new Set(["token", "access_token", "api_key", "apikey", "api-key", "x-api-key", "key", "auth", "authorization", "bearer"]);

/**
 * The first query parameter of a request URL whose name is a credential's, or null. Takes the raw
 * `request.url`, which is relative ("/v1/events?…") for an HTTP/1.0 request without a Host header.
 */
export function queryTokenName(url: string): string | null {
  const q = url.indexOf("?");
  if (q === -1) return null;
  for (const name of new URLSearchParams(url.slice(q + 1)).keys()) {
    if (QUERY_TOKENS.has(name.toLowerCase())) return name;
  }
  return null;
}
