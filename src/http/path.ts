/**
 * The origin of every request handed to the admin app. Elysia's router finds the path in the URL by position
 * (`url.indexOf("/", 11)`), so with the client's Host in the URL a short Host (`x`) moved the path it routed by
 * away from the one the gate and the rules read. With this origin the router reads exactly the path parsed
 * here; the Host header keeps the client's value for whoever needs it (see requestOrigin).
 */
export const ROUTING_ORIGIN = "http://hookgate.internal";

/** What a request's target and Host parse to, once: the path every decision reads, and the query. */
export interface Target { path: string; search: string }

/** A Host header: a name or IPv4 address, or an IPv6 literal in brackets, then an optional port. */
const HOST = /^(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

/**
 * The request's path and query, or why its target or Host cannot be read (the caller answers 400). Bun builds
 * `request.url` from the Host header and the target (dot segments resolved, an absolute-form target's authority
 * replaced by the Host); it gives a relative URL ("/p?q") when there is no Host or one it cannot use.
 */
export function parseTarget(url: string, host: string | null): Target | string {
  if (host !== null && host !== "") {
    const match = HOST.exec(host);
    if (!match || (match[1] !== undefined && Number(match[1]) > 65535)) return "the Host header cannot be parsed: send a host name or address, with an optional port (e.g. Host: hooks.example.com)";
  }
  const start = url.startsWith("/") ? 0 : url.indexOf("/", url.indexOf("://") + 3);
  const rest = start === -1 ? "/" : url.slice(start);
  if (rest.includes("#")) return "the request target cannot be parsed: it holds a fragment (#...), which is never sent to a server";
  const query = rest.indexOf("?");
  return query === -1 ? { path: rest, search: "" } : { path: rest.slice(0, query), search: rest.slice(query) };
}

/** The path of a request URL (absolute, or relative for an HTTP/1.0 request without a Host header). */
export function pathOf(url: string): string {
  const target = parseTarget(url, null);
  return typeof target === "string" ? "/" : target.path;
}

/** The origin the client addressed: `http://` and its Host header (validated by parseTarget), else localhost. */
export function requestOrigin(request: Request): string {
  return `http://${request.headers.get("host") || "localhost"}`;
}
