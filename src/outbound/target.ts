import { lookup } from "node:dns/promises";
import { classifyAddress, refusalReason } from "./address.ts";
import { allowedCidrs, hostOf, settingOf, type UrlPolicy } from "./url-policy.ts";

export type Resolver = (host: string) => Promise<string[]>;

/** How long a name's addresses are used before it is resolved again, and how many names are remembered. */
export const RESOLVED_FOR_MS = 10_000;
const MAX_NAMES = 10_000;

/**
 * A resolver that remembers each name's answer for `forMs` and asks once for all attempts waiting on the same name.
 * Without it every attempt to a host name called getaddrinfo, which caches nothing: 45–55 µs of CPU a call here
 * (localhost, from /etc/hosts), and a query to the VM's DNS server per delivery for any other name. Only the
 * answer is remembered: every attempt still checks every address against the policy it runs under (a reload's
 * narrower networks apply at once), so a name that moves to a refused address is refused when it is next resolved.
 * Failures are not remembered. 10 s is the staleness a receiver that moves gets: its attempts meanwhile fail and
 * are retried like any network error (Bun's own fetch keeps names for 30 s).
 */
export function rememberedResolver(resolve: Resolver, forMs = RESOLVED_FOR_MS, now: () => number = Date.now): Resolver {
  const known = new Map<string, { until: number; addresses: Promise<string[]> }>();
  return (host) => {
    const at = now();
    const entry = known.get(host);
    if (entry && entry.until > at) return entry.addresses;
    if (entry) known.delete(host);
    const addresses = resolve(host);
    const remembered = { until: at + forMs, addresses };
    known.set(host, remembered);
    if (known.size > MAX_NAMES) known.delete(known.keys().next().value!);
    // A failed lookup is forgotten as soon as it fails (only the attempts already waiting share it).
    addresses.catch(() => { if (known.get(host) === remembered) known.delete(host); });
    return addresses;
  };
}

export const systemResolver: Resolver = rememberedResolver(async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address));

/**
 * Where one attempt connects: the checked address, and the name the receiver expects in `Host` and TLS SNI.
 * `url` is the endpoint URL with its host swapped for the address, so nothing downstream resolves again.
 */
export interface PinnedTarget {
  url: URL;
  address: string;
  port: number;
  /** The `Host` header: the endpoint URL's host, with its port when it has one. */
  host: string;
  /** TLS server name (SNI and certificate check) for https; the name, never the address. */
  serverName: string;
}

export type Pick = { target: PinnedTarget } | { refusal: string };

/** The scheme check, and the parsed URL with its host when the scheme may be used. */
function parseTarget(text: string, policy: UrlPolicy): { url: URL; name: string } | { refusal: string } {
  let url: URL;
  try { url = new URL(text); } catch { return { refusal: `${text} is not an absolute URL` }; }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { refusal: `scheme ${url.protocol} is not allowed (use https)` };
  if (url.protocol === "http:" && policy.requireHttps) return { refusal: "http is not allowed (use https, or set delivery.requireHttps: false)" };
  return { url, name: hostOf(url) };
}

/**
 * Every resolved address must pass, not only the first: a name answering one public and one private address
 * is refused, since a later connection could pick either.
 */
function pinAddresses(url: URL, name: string, addresses: string[], policy: UrlPolicy, literal: boolean): Pick {
  if (addresses.length === 0) return { refusal: `${name} did not resolve to any address` };
  const cidrs = allowedCidrs(policy.allowNetworks);
  for (const address of addresses) {
    const reason = refusalReason(address, cidrs, settingOf(policy));
    if (reason) return { refusal: literal ? reason : `${name}: ${reason}` };
  }
  const address = addresses[0]!;
  const pinned = new URL(url);
  pinned.hostname = address.includes(":") ? `[${address}]` : address;
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  return { target: { url: pinned, address: hostOf(pinned), port, host: url.host, serverName: name } };
}

/**
 * What a URL under one policy comes to before any look-up: the decision itself (an address literal, a refused
 * scheme), or for a host name the parsed URL and the decisions made for each answer the resolver gave (the
 * remembering resolver hands every attempt within its time the same array, so an answer is checked once per policy).
 */
type Known = Pick | { parsed: { url: URL; name: string }; byAnswer: WeakMap<readonly string[], Pick> };

/** Per networks list (a reload brings a new one), then per https rule, setting and URL. */
const knownUrls = new WeakMap<readonly string[], Map<string, Known>>();

function knownOf(text: string, policy: UrlPolicy): Known {
  let urls = knownUrls.get(policy.allowNetworks);
  if (!urls) { urls = new Map(); knownUrls.set(policy.allowNetworks, urls); }
  const key = `${policy.requireHttps ? "https" : "http"} ${settingOf(policy)} ${text}`;
  const known = urls.get(key);
  if (known) return known;
  const parsed = parseTarget(text, policy);
  const made: Known = "refusal" in parsed ? parsed
    : classifyAddress(parsed.name) !== null ? pinAddresses(parsed.url, parsed.name, [parsed.name], policy, true)
    : { parsed, byAnswer: new WeakMap() };
  if (urls.size < 10_000) urls.set(key, made);
  return made;
}

/**
 * The decision for a URL whose host is an address literal (or whose scheme is refused) depends on nothing but
 * the URL and the policy: made once, not per attempt. Returns null for a host name, which pinTarget decides per
 * answer of the resolver (the system's keeps an answer for RESOLVED_FOR_MS).
 */
export function pinKnown(text: string, policy: UrlPolicy): Pick | null {
  const known = knownOf(text, policy);
  return "parsed" in known ? null : known;
}

/** Applies the URL and address policy to one attempt, resolving a host name. */
export async function pinTarget(text: string, policy: UrlPolicy, resolve: Resolver = systemResolver): Promise<Pick> {
  const known = knownOf(text, policy);
  if (!("parsed" in known)) return known;
  const { parsed, byAnswer } = known;
  // A resolver failure (NXDOMAIN, SERVFAIL) throws: it is a network error, retried like one, not a refusal.
  const addresses = await resolve(parsed.name);
  let pick = byAnswer.get(addresses);
  if (!pick) { pick = pinAddresses(parsed.url, parsed.name, addresses, policy, false); byAnswer.set(addresses, pick); }
  return pick;
}
