/**
 * Outbound address policy: which IP addresses the sender may connect to.
 * Pure functions, no DNS and no sockets. Ranges follow the IANA IPv4 and IPv6 special-purpose registries.
 */

export type AddressKind = "public" | "loopback" | "private" | "link-local" | "cgnat" | "unspecified" | "broadcast" | "multicast" | "documentation" | "reserved" | "ula" | "benchmarking" | "ipv4-mapped" | "ipv4-translated" | "nat64" | "6to4" | "teredo" | "site-local";

export type Cidr = { readonly family: 4 | 6; readonly bytes: Uint8Array; readonly prefix: number };

/**
 * Parses an IPv4 literal the way inet_aton does: 1–4 parts, each decimal, octal (leading 0) or hex (0x),
 * the last part filling the remaining bytes. "0x" alone is 0, as in inet_aton and the WHATWG URL parser.
 * One trailing dot is accepted ("127.0.0.1." is 127.0.0.1), as the URL parser does, so that spelling is
 * refused as the address it is rather than passed on to the resolver as a host name.
 */
export function parseIPv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length > 4) return null;
  const values: number[] = [];
  for (const part of parts) {
    const value = parseIPv4Part(part);
    if (value === null) return null;
    values.push(value);
  }
  const last = values.pop();
  const rest = 2 ** (8 * (4 - values.length)); // how many values the last part may take
  if (last === undefined || last >= rest || values.some((v) => v > 255)) return null;
  return values.reduce((n, v) => n * 256 + v, 0) * rest + last;
}

function parseIPv4Part(part: string): number | null {
  if (/^0x[0-9a-f]*$/i.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (/^0[0-7]*$/.test(part)) return parseInt(part, 8);
  if (/^[1-9][0-9]*$/.test(part)) return parseInt(part, 10);
  return null; // empty, signed, "08", "1e3", a host name label...
}

/** Strict a.b.c.d, no leading zeros: the only IPv4 form allowed inside IPv6 literals and in CIDRs. */
function parseDottedQuad(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** Parses an IPv6 literal, with or without [brackets], a trailing dotted IPv4 part, and a %zone (dropped). */
export function parseIPv6(text: string): Uint8Array | null {
  let s = text;
  if (s.startsWith("[")) {
    if (!s.endsWith("]")) return null;
    s = s.slice(1, -1);
  }
  const zone = s.indexOf("%");
  if (zone !== -1) {
    if (zone === s.length - 1) return null;
    s = s.slice(0, zone);
  }
  if (!s.includes(":")) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const compressed = halves.length === 2;
  const head = parseGroups(halves[0] ?? "", !compressed);
  const tail = compressed ? parseGroups(halves[1] ?? "", true) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  // "::" stands for at least one zero group; without it there must be exactly eight.
  if (compressed ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

/** The groups on one side of "::"; only the side ending the address may end in a dotted IPv4 (two groups). */
function parseGroups(side: string, endsAddress: boolean): number[] | null {
  if (side === "") return [];
  const items = side.split(":");
  const groups: number[] = [];
  for (const [i, item] of items.entries()) {
    if (/^[0-9a-f]{1,4}$/i.test(item)) {
      groups.push(parseInt(item, 16));
      continue;
    }
    const v4 = endsAddress && i === items.length - 1 ? parseDottedQuad(item) : null;
    if (v4 === null) return null;
    groups.push(Math.floor(v4 / 0x10000), v4 & 0xffff);
  }
  return groups;
}

function v4Bytes(n: number): Uint8Array {
  return new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}

function v4At(bytes: Uint8Array, at: number, invert = 0): number {
  return (((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) ^ invert) >>> 0;
}

function formatIPv4(n: number): string {
  return v4Bytes(n).join(".");
}

/** 4 bytes for an IPv4 literal in any inet_aton spelling, 16 for IPv6, null for anything else. */
function ipBytes(text: string): Uint8Array | null {
  const v4 = parseIPv4(text);
  return v4 !== null ? v4Bytes(v4) : parseIPv6(text);
}

function prefixMatches(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const mask = (0xff00 >> (prefix & 7)) & 0xff;
  return mask === 0 || ((a[whole]! ^ b[whole]!) & mask) === 0;
}

function isMapped(bytes: Uint8Array): boolean {
  return bytes.length === 16 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

/**
 * Parses "10.0.0.0/8", "fd00::/8" or a bare address (/32 or /128). IPv4 must be dotted-quad here:
 * inet_aton would read "10/8" as 0.0.0.10/8, which is never what a config author meant.
 */
export function parseCidr(text: string): Cidr {
  const fail = (why: string): never => {
    throw new Error(`invalid network "${text}": ${why}`);
  };
  const [address = "", length, extra] = text.split("/");
  if (extra !== undefined) fail("more than one '/'");
  const v4 = parseDottedQuad(address);
  const bytes = v4 !== null ? v4Bytes(v4) : /^[0-9a-f:.]+$/i.test(address) ? parseIPv6(address) : null;
  if (!bytes) return fail("expected an address with an optional prefix length, like 10.0.0.0/8 or fd00::/8");
  const max = bytes.length * 8;
  if (length !== undefined && !/^[0-9]{1,3}$/.test(length)) fail(`the prefix length must be a number from 0 to ${max}`);
  const prefix = length === undefined ? max : Number(length);
  if (prefix > max) fail(`the prefix length must be a number from 0 to ${max}`);
  // Host bits set usually means a typo (10.0.0.1/8); say so rather than silently widen or narrow it.
  const network = bytes.map((b, i) => (i * 8 >= prefix ? 0 : i * 8 + 8 <= prefix ? b : b & (0xff00 >> (prefix - i * 8))));
  if (!network.every((b, i) => b === bytes[i])) {
    fail(`bits are set after the /${prefix} prefix${v4 !== null ? ` (did you mean ${network.join(".")}/${prefix}?)` : ""}`);
  }
  return { family: v4 !== null ? 4 : 6, bytes, prefix };
}

function bytesInCidr(bytes: Uint8Array, cidr: Cidr): boolean {
  if (bytes.length === cidr.bytes.length) return prefixMatches(bytes, cidr.bytes, cidr.prefix);
  // ::ffff:a.b.c.d is a.b.c.d on the wire, so an IPv4 network covers it too.
  return cidr.family === 4 && isMapped(bytes) && prefixMatches(bytes.subarray(12), cidr.bytes, cidr.prefix);
}

export function inCidr(ip: string, cidr: Cidr): boolean {
  const bytes = ipBytes(ip);
  return bytes !== null && bytesInCidr(bytes, cidr);
}

/**
 * A special-purpose range. `embeds` lists the IPv4 addresses an IPv6 transition form carries; `reachable`
 * says whether such an address may be connected to when all of them are public (IANA's "globally reachable").
 */
type Rule = { readonly cidr: Cidr; readonly kind: AddressKind; readonly embeds?: (b: Uint8Array) => number[]; readonly reachable?: boolean };
const rule = (cidr: string, kind: AddressKind, embeds?: (b: Uint8Array) => number[], reachable = false): Rule => ({ cidr: parseCidr(cidr), kind, embeds, reachable });
const lastFour = (b: Uint8Array): number[] => [v4At(b, 12)];

const V4_RULES: readonly Rule[] = [
  rule("0.0.0.0/8", "unspecified"),
  rule("10.0.0.0/8", "private"),
  rule("100.64.0.0/10", "cgnat"),
  rule("127.0.0.0/8", "loopback"),
  rule("169.254.0.0/16", "link-local"),
  rule("172.16.0.0/12", "private"),
  rule("192.0.0.0/24", "reserved"),
  rule("192.0.2.0/24", "documentation"),
  rule("192.88.99.0/24", "reserved"),
  rule("192.168.0.0/16", "private"),
  rule("198.18.0.0/15", "benchmarking"),
  rule("198.51.100.0/24", "documentation"),
  rule("203.0.113.0/24", "documentation"),
  rule("224.0.0.0/4", "multicast"),
  rule("255.255.255.255/32", "broadcast"),
  rule("240.0.0.0/4", "reserved"),
];

// First match wins, so more specific ranges come first.
const V6_RULES: readonly Rule[] = [
  rule("::/128", "unspecified"),
  rule("::1/128", "loopback"),
  rule("::ffff:0:0/96", "ipv4-mapped", lastFour, true), // on the wire this is the embedded IPv4 address
  rule("::/96", "reserved", lastFour), // deprecated IPv4-compatible ::a.b.c.d
  rule("::ffff:0:0:0/96", "ipv4-translated", lastFour), // RFC 2765 SIIT ::ffff:0:a.b.c.d, never on the public internet
  rule("64:ff9b::/96", "nat64", lastFour, true), // DNS64 networks hand these out for every IPv4-only host
  // Local-use NAT64 (RFC 8215) is not globally reachable, and its RFC 6052 layout (/48../96) is the operator's
  // choice, so it is always refused; the /96 reading only makes the message more precise.
  rule("64:ff9b:1::/48", "nat64", lastFour),
  rule("100::/64", "reserved"),
  rule("2001:2::/48", "benchmarking"),
  rule("2001:10::/28", "reserved"),
  rule("2001:20::/28", "reserved"),
  rule("2001:db8::/32", "documentation"),
  // 6to4 and Teredo are deprecated tunnels to arbitrary hosts (reachability "N/A"): refused even when public.
  rule("2001::/32", "teredo", (b) => [v4At(b, 12, -1)]), // the client address is stored inverted
  // IETF protocol assignments (anycast services, AMT, ORCHID, AS112...): no webhook receiver lives there.
  rule("2001::/23", "reserved"),
  rule("2002::/16", "6to4", (b) => [v4At(b, 2)]),
  rule("3fff::/20", "documentation"),
  rule("5f00::/16", "reserved"), // SRv6 SIDs, not globally reachable
  rule("fc00::/7", "ula"),
  rule("fe80::/10", "link-local"),
  rule("fec0::/10", "site-local"),
  rule("ff00::/8", "multicast"),
];

/** Global unicast. Every IPv6 address outside it that no rule above names is unassigned or special: refused. */
const GLOBAL_UNICAST = parseCidr("2000::/3");

type Classified = { readonly kind: AddressKind; readonly reachable: boolean; readonly embedded?: number };

/** A transition form takes the kind of its embedded IPv4 when that is not public, so ::ffff:127.0.0.1 is loopback. */
function classifyBytes(bytes: Uint8Array): Classified {
  const found = (bytes.length === 4 ? V4_RULES : V6_RULES).find((r) => prefixMatches(bytes, r.cidr.bytes, r.cidr.prefix));
  if (!found) {
    const global = bytes.length === 4 || prefixMatches(bytes, GLOBAL_UNICAST.bytes, GLOBAL_UNICAST.prefix);
    return global ? { kind: "public", reachable: true } : { kind: "reserved", reachable: false };
  }
  for (const v4 of found.embeds?.(bytes) ?? []) {
    const inner = classifyBytes(v4Bytes(v4)).kind;
    if (inner !== "public") return { kind: inner, reachable: false, embedded: v4 };
  }
  return { kind: found.kind, reachable: found.reachable ?? false };
}

export function classifyAddress(ip: string): AddressKind | null {
  const bytes = ipBytes(ip);
  return bytes === null ? null : classifyBytes(bytes).kind;
}

const DESCRIPTION: Readonly<Record<AddressKind, string>> = {
  public: "a public", loopback: "a loopback", private: "a private", "link-local": "a link-local",
  cgnat: "a carrier-grade NAT", unspecified: "an unspecified", broadcast: "a broadcast", multicast: "a multicast",
  documentation: "a documentation", reserved: "a reserved", ula: "a unique local", benchmarking: "a benchmarking",
  "ipv4-mapped": "an IPv4-mapped", "ipv4-translated": "an IPv4-translated", nat64: "a NAT64", "6to4": "a 6to4", teredo: "a Teredo", "site-local": "a site-local",
};

/** Why `ip` may not be reached, or null; `setting` is the config list that would allow it (tenant endpoints have their own). */
export function refusalReason(ip: string, allowNetworks: readonly Cidr[], setting = "delivery.allowNetworks"): string | null {
  const bytes = ipBytes(ip);
  if (bytes === null) return `${ip} is not an IP address`;
  if (allowNetworks.some((cidr) => bytesInCidr(bytes, cidr))) return null;
  const { kind, reachable, embedded } = classifyBytes(bytes);
  if (reachable) return null;
  // Name the address the way it will be reached, so "0x7f.1" or "::ffff:7f00:1" do not hide what they are.
  const shown = bytes.length === 4 ? formatIPv4(v4At(bytes, 0)) : embedded !== undefined ? formatIPv4(embedded) : ip;
  const what = shown === ip ? ip : `${ip} (${embedded !== undefined ? "embedding " : ""}${shown})`;
  return `${what} is ${DESCRIPTION[kind]} address (add it to ${setting} to allow it)`;
}
