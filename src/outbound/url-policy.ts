import { classifyAddress, parseCidr, refusalReason, type Cidr } from "./address.ts";

export interface UrlPolicy {
  requireHttps: boolean;
  allowNetworks: readonly string[];
}

const cidrCache = new WeakMap<readonly string[], Cidr[]>();
export function allowedCidrs(list: readonly string[]): Cidr[] {
  let cidrs = cidrCache.get(list);
  if (!cidrs) { cidrs = list.map(parseCidr); cidrCache.set(list, cidrs); }
  return cidrs;
}

/** The host of a URL without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * What registration can know about a URL: its scheme, and its host when that is an address literal.
 * Host names are checked again at every connection, after resolving.
 */
export function checkUrl(text: string, policy: UrlPolicy): string | null {
  let url: URL;
  try { url = new URL(text); } catch { return "must be an absolute URL"; }
  if (url.protocol !== "https:" && url.protocol !== "http:") return `scheme ${url.protocol} is not allowed (use https)`;
  if (url.protocol === "http:" && policy.requireHttps) return "must be https (set delivery.requireHttps: false to allow http)";
  if (url.username || url.password) return 'must not hold credentials (use auth: { type: "basic", ... })';
  const host = hostOf(url);
  if (classifyAddress(host) !== null) {
    const reason = refusalReason(host, allowedCidrs(policy.allowNetworks));
    if (reason) return reason;
  }
  return null;
}

/** `delivery.proxy`: an HTTP proxy that takes CONNECT (smokescreen and the like); credentials may be in the URL. */
export function checkProxyUrl(text: string): string | null {
  let url: URL;
  try { url = new URL(text); } catch { return 'must be a URL like "http://127.0.0.1:4750"'; }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `scheme ${url.protocol} is not supported: use an http:// (or https://) proxy URL`;
  if (url.pathname !== "/" || url.search || url.hash) return 'must be the proxy\'s address only, with no path or query, like "http://127.0.0.1:4750"';
  return null;
}
