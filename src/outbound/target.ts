import { lookup } from "node:dns/promises";
import { classifyAddress, refusalReason } from "./address.ts";
import { allowedCidrs, hostOf, type UrlPolicy } from "./url-policy.ts";

export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

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

/**
 * Applies the URL and address policy to one attempt. Every resolved address must pass, not only the first:
 * a name answering one public and one private address is refused, since a later connection could pick either.
 */
export async function pinTarget(text: string, policy: UrlPolicy, resolve: Resolver = systemResolver): Promise<Pick> {
  let url: URL;
  try { url = new URL(text); } catch { return { refusal: `${text} is not an absolute URL` }; }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { refusal: `scheme ${url.protocol} is not allowed (use https)` };
  if (url.protocol === "http:" && policy.requireHttps) return { refusal: "http is not allowed (use https, or set delivery.requireHttps: false)" };
  const name = hostOf(url);
  const cidrs = allowedCidrs(policy.allowNetworks);
  const literal = classifyAddress(name) !== null;
  // A resolver failure (NXDOMAIN, SERVFAIL) throws: it is a network error, retried like one, not a refusal.
  const addresses = literal ? [name] : await resolve(name);
  if (addresses.length === 0) return { refusal: `${name} did not resolve to any address` };
  for (const address of addresses) {
    const reason = refusalReason(address, cidrs);
    if (reason) return { refusal: literal ? reason : `${name}: ${reason}` };
  }
  const address = addresses[0]!;
  const pinned = new URL(url);
  pinned.hostname = address.includes(":") ? `[${address}]` : address;
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  return { target: { url: pinned, address: hostOf(pinned), port, host: url.host, serverName: name } };
}
