import { classifyAddress, parseCidr, refusalReason, type Cidr } from "./address.ts";
import type { UrlChecker, UrlPolicy } from "../core/sender.ts";
import type { Resolver } from "./target.ts";

export type { UrlPolicy };

export const settingOf = (policy: UrlPolicy): string => policy.allowNetworksSetting ?? "delivery.allowNetworks";

const cidrCache = new WeakMap<readonly string[], Cidr[]>();
/** The policy's networks parsed, once per list (a reload brings a new list). */
export function allowedCidrs(list: readonly string[]): Cidr[] {
  let cidrs = cidrCache.get(list);
  if (!cidrs) { cidrs = list.map(parseCidr); cidrCache.set(list, cidrs); }
  return cidrs;
}

/** The host of a URL without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

/** `localhost` and `*.localhost` are loopback by definition (RFC 6761): resolvers answer them without asking DNS. */
function isLoopbackName(host: string): boolean {
  return /(^|\.)localhost\.?$/.test(host);
}

/**
 * What registration can know about a URL without DNS: its scheme, its host when that is an address literal,
 * and the names that can only be loopback. Host names are checked again at every connection, after resolving.
 */
export function checkUrl(text: string, policy: UrlPolicy): string | null {
  let url: URL;
  try { url = new URL(text); } catch { return "must be an absolute URL"; }
  if (url.protocol !== "https:" && url.protocol !== "http:") return `scheme ${url.protocol} is not allowed (use https)`;
  if (url.protocol === "http:" && policy.requireHttps) return "must be https (set delivery.requireHttps: false to allow http)";
  if (url.username || url.password) return 'must not hold credentials (use auth: { type: "basic", ... })';
  const host = hostOf(url);
  const cidrs = allowedCidrs(policy.allowNetworks);
  if (classifyAddress(host) !== null) return refusalReason(host, cidrs, settingOf(policy));
  if (isLoopbackName(host) && refusalReason("127.0.0.1", cidrs) && refusalReason("::1", cidrs)) {
    return `${host} is a loopback name (add 127.0.0.0/8 to ${settingOf(policy)} to allow it)`;
  }
  return null;
}

/**
 * checkUrl, then a look-up of the host name with the sender's resolver: a name whose every address is refused
 * can never be delivered to, so the admin hears it now, not from refused attempts. A look-up that fails or takes
 * longer than `timeoutMs` passes (DNS may be fixed later); every connection is checked again either way.
 */
export async function checkResolvedUrl(text: string, policy: UrlPolicy, resolve: Resolver, timeoutMs = 2_000): Promise<string | null> {
  const early = checkUrl(text, policy);
  if (early) return early;
  const host = hostOf(new URL(text));
  if (classifyAddress(host) !== null || isLoopbackName(host)) return null; // decided above, without DNS
  let timer: Timer | undefined;
  const gaveUp = new Promise<null>((done) => { timer = setTimeout(() => done(null), timeoutMs); });
  const addresses = await Promise.race([resolve(host).catch(() => null), gaveUp]).finally(() => clearTimeout(timer));
  if (!addresses?.length) return null;
  const cidrs = allowedCidrs(policy.allowNetworks);
  const reasons = addresses.map((address) => refusalReason(address, cidrs, settingOf(policy)));
  if (reasons.some((reason) => reason === null)) return null;
  return `${host} resolves only to refused addresses: ${[...new Set(reasons)].join("; ")}`;
}

/** `delivery.proxy`: an HTTP proxy that takes CONNECT (smokescreen and the like); credentials may be in the URL. */
export function checkProxyUrl(text: string): string | null {
  let url: URL;
  try { url = new URL(text); } catch { return 'must be a URL like "http://127.0.0.1:4750"'; }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `scheme ${url.protocol} is not supported: use an http:// (or https://) proxy URL`;
  if (url.pathname !== "/" || url.search || url.hash) return 'must be the proxy\'s address only, with no path or query, like "http://127.0.0.1:4750"';
  return null;
}

/** core's UrlChecker port over these checks, looking names up with `resolve`. */
export function urlChecker(resolve: Resolver): UrlChecker {
  return { check: checkUrl, checkResolved: (url, policy) => checkResolvedUrl(url, policy, resolve) };
}
