/**
 * The path of a request URL. Bun gives an absolute URL ("http://host/p?q"), or a relative one ("/p?q") for
 * an HTTP/1.0 request without a Host header, where `new URL` would throw.
 */
export function pathOf(url: string): string {
  const start = url.startsWith("/") ? 0 : url.indexOf("/", url.indexOf("://") + 3);
  if (start === -1) return "/";
  const end = url.indexOf("?", start);
  return url.slice(start, end === -1 ? undefined : end);
}
