import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { classifyAddress, inCidr, parseCidr, parseIPv4, parseIPv6, refusalReason, type AddressKind } from "../../src/outbound/address.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

const hex = (bytes: Uint8Array | null): string | null => (bytes === null ? null : Buffer.from(bytes).toString("hex"));

describe("parseIPv4", () => {
  const LOOPBACK = 0x7f000001;
  test.each<[string, number | null]>([
    ["127.0.0.1", LOOPBACK],
    ["2130706433", LOOPBACK],
    ["0177.0.0.1", LOOPBACK],
    ["0x7f.1", LOOPBACK],
    ["127.1", LOOPBACK],
    ["0x7f000001", LOOPBACK],
    ["0X7F000001", LOOPBACK],
    ["017700000001", LOOPBACK],
    ["127.0.1", LOOPBACK],
    ["0x7f.0.0.0x1", LOOPBACK],
    ["127.0.0.1.", LOOPBACK], // one trailing dot, as the URL parser accepts
    ["0", 0],
    ["0x", 0], // inet_aton and WHATWG both read a bare 0x as 0
    ["00", 0],
    ["255.255.255.255", 0xffffffff],
    ["4294967295", 0xffffffff],
    ["1.16777215", 0x01ffffff],
    ["1.2.65535", 0x0102ffff],
    ["169.254.43518", 0xa9fea9fe],
    ["4294967296", null], // 2^32
    ["256.0.0.1", null],
    ["1.16777216", null],
    ["1.2.65536", null],
    ["1.2.3.256", null],
    ["1.2.3.4.5", null],
    ["08", null], // 8 is not an octal digit
    ["0189.0.0.1", null],
    ["0xg", null],
    ["1..1", null],
    [".1.2.3", null],
    ["127.0.0.1..", null],
    [".", null],
    ["", null],
    ["-1", null],
    ["+1", null],
    [" 127.0.0.1", null],
    ["127.0.0.1 ", null],
    ["1e3", null],
    ["localhost", null],
    ["example.com", null],
    ["::1", null],
  ])("%p → %p", (text, expected) => {
    expect(parseIPv4(text)).toBe(expected);
  });
});

describe("parseIPv6", () => {
  test.each<[string, string | null]>([
    ["::", "00000000000000000000000000000000"],
    ["::1", "00000000000000000000000000000001"],
    ["[::1]", "00000000000000000000000000000001"],
    ["1::", "00010000000000000000000000000000"],
    ["2001:db8::8:800:200c:417a", "20010db80000000000080800200c417a"],
    ["1:2:3:4:5:6:7:8", "00010002000300040005000600070008"],
    ["1:2:3:4:5:6:7::", "00010002000300040005000600070000"], // "::" standing for one group
    ["::2:3:4:5:6:7:8", "00000002000300040005000600070008"],
    ["FE80::ABCD", "fe80000000000000000000000000abcd"],
    ["fe80::1%eth0", "fe800000000000000000000000000001"],
    ["[fe80::1%25eth0]", "fe800000000000000000000000000001"],
    ["::ffff:127.0.0.1", "00000000000000000000ffff7f000001"],
    ["::ffff:7f00:1", "00000000000000000000ffff7f000001"],
    ["64:ff9b::169.254.169.254", "0064ff9b0000000000000000a9fea9fe"],
    ["1:2:3:4:5:6:1.2.3.4", "00010002000300040005000601020304"],
    ["1:2:3:4:5:6:7:8:9", null],
    ["1:2:3:4:5:6:7", null],
    ["1::2::3", null],
    [":::", null],
    [":1::", null],
    ["1:", null],
    ["12345::", null],
    ["g::", null],
    ["::1.2.3", null],
    ["::0177.0.0.1", null], // only strict dotted-quad inside IPv6, like inet_pton
    ["::1.2.3.4:5", null],
    ["1.2.3.4::", null],
    ["1:2:3:4:5:6:7:1.2.3.4", null],
    ["[::1", null],
    ["::1]", null],
    ["fe80::1%", null],
    ["127.0.0.1", null],
    ["example.com", null],
    ["", null],
  ])("%p", (text, expected) => {
    expect(hex(parseIPv6(text))).toBe(expected);
  });
});

describe("classifyAddress", () => {
  // Each range on both sides of both edges.
  const ipv4: [string, AddressKind][] = [
    ["0.0.0.0", "unspecified"], ["0.255.255.255", "unspecified"], ["1.0.0.0", "public"],
    ["9.255.255.255", "public"], ["10.0.0.0", "private"], ["10.255.255.255", "private"], ["11.0.0.0", "public"],
    ["100.63.255.255", "public"], ["100.64.0.0", "cgnat"], ["100.127.255.255", "cgnat"], ["100.128.0.0", "public"],
    ["126.255.255.255", "public"], ["127.0.0.0", "loopback"], ["127.0.0.1", "loopback"], ["127.255.255.255", "loopback"], ["128.0.0.0", "public"],
    ["169.253.255.255", "public"], ["169.254.0.0", "link-local"], ["169.254.169.254", "link-local"], ["169.254.255.255", "link-local"], ["169.255.0.0", "public"],
    ["172.15.255.255", "public"], ["172.16.0.0", "private"], ["172.31.255.255", "private"], ["172.32.0.0", "public"],
    ["191.255.255.255", "public"], ["192.0.0.0", "reserved"], ["192.0.0.255", "reserved"], ["192.0.1.0", "public"],
    ["192.0.1.255", "public"], ["192.0.2.0", "documentation"], ["192.0.2.255", "documentation"], ["192.0.3.0", "public"],
    ["192.88.98.255", "public"], ["192.88.99.0", "reserved"], ["192.88.99.255", "reserved"], ["192.88.100.0", "public"],
    ["192.167.255.255", "public"], ["192.168.0.0", "private"], ["192.168.255.255", "private"], ["192.169.0.0", "public"],
    ["198.17.255.255", "public"], ["198.18.0.0", "benchmarking"], ["198.19.255.255", "benchmarking"], ["198.20.0.0", "public"],
    ["198.51.99.255", "public"], ["198.51.100.0", "documentation"], ["198.51.100.255", "documentation"], ["198.51.101.0", "public"],
    ["203.0.112.255", "public"], ["203.0.113.0", "documentation"], ["203.0.113.255", "documentation"], ["203.0.114.0", "public"],
    ["223.255.255.255", "public"], ["224.0.0.0", "multicast"], ["239.255.255.255", "multicast"],
    ["240.0.0.0", "reserved"], ["255.255.255.254", "reserved"], ["255.255.255.255", "broadcast"],
    ["8.8.8.8", "public"], ["1.1.1.1", "public"],
  ];
  test.each(ipv4)("IPv4 %s is %s", (ip, kind) => {
    expect(classifyAddress(ip)).toBe(kind);
  });

  const ipv6: [string, AddressKind][] = [
    ["::", "unspecified"], ["::1", "loopback"], ["::ffff:0.0.0.0", "unspecified"],
    ["::fffe:ffff:ffff", "reserved"], ["::ffff:0:0", "unspecified"], ["::ffff:ffff:ffff", "broadcast"], ["::1:0:0:0", "reserved"],
    ["64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", "reserved"], ["64:ff9b::8.8.8.8", "nat64"], ["64:ff9b::ffff:ffff", "broadcast"], ["64:ff9b::1:0:0", "reserved"],
    ["64:ff9b:0:ffff:ffff:ffff:ffff:ffff", "reserved"], ["64:ff9b:1::808:808", "nat64"], ["64:ff9b:1:ffff:ffff:ffff:808:808", "nat64"], ["64:ff9b:2::", "reserved"],
    ["ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved"], ["100::", "reserved"], ["100::ffff:ffff:ffff:ffff", "reserved"], ["100:0:0:1::", "reserved"],
    ["2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "public"], ["2001::", "broadcast"], ["2001:0:4136:e378:8000:63bf:f7f7:f7f7", "teredo"], ["2001:0:ffff:ffff:ffff:ffff:0:0", "broadcast"], ["2001:1::", "reserved"],
    ["2001:1:ffff:ffff:ffff:ffff:ffff:ffff", "reserved"], ["2001:2::", "benchmarking"], ["2001:2:0:ffff:ffff:ffff:ffff:ffff", "benchmarking"], ["2001:2:1::", "reserved"],
    ["2001:f:ffff:ffff:ffff:ffff:ffff:ffff", "reserved"], ["2001:10::", "reserved"], ["2001:1f:ffff:ffff:ffff:ffff:ffff:ffff", "reserved"],
    ["2001:20::", "reserved"], ["2001:2f:ffff:ffff:ffff:ffff:ffff:ffff", "reserved"], ["2001:30::", "reserved"], ["2001:3::1", "reserved"], ["2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved"], ["2001:200::", "public"],
    ["2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "public"], ["2001:db8::", "documentation"], ["2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "documentation"], ["2001:db9::", "public"],
    ["2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "public"], ["2002:808:808::", "6to4"], ["2002:ffff:ffff::", "broadcast"], ["2003::", "public"],
    ["3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "public"], ["3fff::", "documentation"], ["3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", "documentation"], ["3fff:1000::", "public"],
    ["5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved"], ["5f00::", "reserved"], ["5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved"], ["5f01::", "reserved"],
    ["fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved"], ["fc00::", "ula"], ["fd12:3456::1", "ula"], ["fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ula"], ["fe00::", "reserved"],
    ["fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved"], ["fe80::", "link-local"], ["fe80::1%eth0", "link-local"], ["febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local"],
    ["fec0::", "site-local"], ["feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "site-local"],
    ["ff00::", "multicast"], ["ff02::1", "multicast"], ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "multicast"],
    ["2606:4700:4700::1111", "public"], ["[2a00:1450:4001:80b::200e]", "public"],
    // Outside 2000::/3 (global unicast) nothing is assigned for the public internet: refused, whatever the form.
    ["1::", "reserved"], ["1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved"], ["2000::", "public"],
    ["3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "public"], ["4000::", "reserved"], ["8000::1", "reserved"], ["e000::", "reserved"],
    // RFC 2765 IPv4-translated ::ffff:0:a.b.c.d (SIIT)
    ["::fffe:ffff:ffff:ffff", "reserved"], ["::ffff:0:0:0", "unspecified"], ["::ffff:0:8.8.8.8", "ipv4-translated"], ["::ffff:0:ffff:ffff", "broadcast"], ["::ffff:1:0:0", "reserved"],
  ];
  test.each(ipv6)("IPv6 %s is %s", (ip, kind) => {
    expect(classifyAddress(ip)).toBe(kind);
  });

  // Spellings that getaddrinfo/inet_aton (and some HTTP clients) turn into 127.0.0.1.
  test.each(["2130706433", "0177.0.0.1", "0x7f.1", "127.1", "0x7f000001", "017700000001", "0x7f.0.0.1", "127.0.0.1.", "0177.1"])(
    "odd IPv4 spelling %s is loopback",
    (ip) => {
      expect(classifyAddress(ip)).toBe("loopback");
    },
  );
  test.each<[string, AddressKind]>([
    ["0xa9fea9fe", "link-local"],
    ["2852039166", "link-local"],
    ["0251.0376.0251.0376", "link-local"],
    ["169.254.43518", "link-local"],
    ["012.1", "private"],
    ["0xc0.0xa8.1", "private"],
    ["0", "unspecified"],
    ["4294967295", "broadcast"],
  ])("odd IPv4 spelling %s is %s", (ip, kind) => {
    expect(classifyAddress(ip)).toBe(kind);
  });

  // Transition forms take the kind of the IPv4 address they carry when it is not public.
  test.each<[string, AddressKind]>([
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["[::ffff:127.0.0.1]", "loopback"],
    ["::ffff:10.1.2.3", "private"],
    ["::ffff:169.254.169.254", "link-local"],
    ["::ffff:100.64.0.1", "cgnat"],
    ["::ffff:8.8.8.8", "ipv4-mapped"],
    ["::ffff:0:127.0.0.1", "loopback"], // IPv4-translated (RFC 2765)
    ["[::ffff:0:127.0.0.1]", "loopback"],
    ["::ffff:0:7f00:1", "loopback"],
    ["::ffff:0:10.0.0.1", "private"],
    ["::ffff:0:169.254.169.254", "link-local"],
    ["::127.0.0.1", "loopback"], // IPv4-compatible
    ["::10.0.0.1", "private"],
    ["::8.8.8.8", "reserved"],
    ["::2", "unspecified"],
    ["64:ff9b::127.0.0.1", "loopback"],
    ["64:ff9b::a9fe:a9fe", "link-local"],
    ["64:ff9b::192.168.1.1", "private"],
    ["64:ff9b::8.8.8.8", "nat64"],
    ["64:ff9b:1::10.0.0.1", "private"],
    ["64:ff9b:1::169.254.169.254", "link-local"],
    ["2002:7f00:1::", "loopback"],
    ["2002:a9fe:a9fe::1", "link-local"],
    ["2002:c0a8:101::", "private"],
    ["2002:808:808::1", "6to4"],
    ["2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"], // Teredo client 127.0.0.1, stored inverted
    ["2001:0:4136:e378:8000:63bf:5601:5601", "link-local"], // Teredo client 169.254.169.254
    ["2001:0:4136:e378:8000:63bf:f7f7:f7f7", "teredo"], // Teredo client 8.8.8.8
  ])("%s is %s", (ip, kind) => {
    expect(classifyAddress(ip)).toBe(kind);
  });

  test.each(["localhost", "example.com", "metadata.google.internal", "127.0.0.1.nip.io", "1.2.3.4.5", "0x7g.1", "08.0.0.1", "", "[127.0.0.1]", "::ffff:0177.0.0.1", "[::1", "1::2::3"])(
    "%p is not an IP literal",
    (text) => {
      expect(classifyAddress(text)).toBeNull();
    },
  );
});

describe("parseCidr", () => {
  test.each<[string, 4 | 6, string, number]>([
    ["10.0.0.0/8", 4, "0a000000", 8],
    ["127.0.0.1", 4, "7f000001", 32],
    ["0.0.0.0/0", 4, "00000000", 0],
    ["192.168.1.128/25", 4, "c0a80180", 25],
    ["fd00::/8", 6, "fd000000000000000000000000000000", 8],
    ["::1", 6, "00000000000000000000000000000001", 128],
    ["::/0", 6, "00000000000000000000000000000000", 0],
    ["::ffff:10.0.0.0/104", 6, "00000000000000000000ffff0a000000", 104],
    ["2001:DB8::/32", 6, "20010db8000000000000000000000000", 32],
  ])("%s", (text, family, bytes, prefix) => {
    const cidr = parseCidr(text);
    expect({ family: cidr.family, bytes: hex(cidr.bytes), prefix: cidr.prefix }).toEqual({ family, bytes, prefix });
  });

  test.each<[string, RegExp]>([
    ["", /expected an address/],
    ["example.com/8", /expected an address/],
    ["10/8", /expected an address/], // inet_aton would read 0.0.0.10/8
    ["0x7f.1/32", /expected an address/],
    ["10.0.0.0/", /prefix length must be a number from 0 to 32/],
    ["10.0.0.0/33", /from 0 to 32/],
    ["10.0.0.0/-1", /from 0 to 32/],
    ["10.0.0.0/8.0", /from 0 to 32/],
    ["fd00::/129", /from 0 to 128/],
    ["10.0.0.0/8/8", /more than one '\/'/],
    ["10.0.0.1/8", /bits are set after the \/8 prefix \(did you mean 10\.0\.0\.0\/8\?\)/],
    ["fd00::1/8", /bits are set after the \/8 prefix/],
    ["[fd00::]/8", /expected an address/],
    ["fe80::%eth0/10", /expected an address/],
    ["256.0.0.0/8", /expected an address/],
  ])("%p throws", (text, message) => {
    expect(() => parseCidr(text)).toThrow(message);
    expect(() => parseCidr(text)).toThrow(`invalid network "${text}"`);
  });
});

describe("inCidr", () => {
  test.each<[string, string, boolean]>([
    ["10.0.0.1", "10.0.0.0/8", true],
    ["10.255.255.255", "10.0.0.0/8", true],
    ["11.0.0.0", "10.0.0.0/8", false],
    ["9.255.255.255", "10.0.0.0/8", false],
    ["172.31.0.1", "172.16.0.0/12", true],
    ["172.32.0.1", "172.16.0.0/12", false],
    ["192.168.1.200", "192.168.1.128/25", true],
    ["192.168.1.127", "192.168.1.128/25", false],
    ["8.8.8.8", "0.0.0.0/0", true],
    ["127.0.0.1", "127.0.0.1", true],
    ["127.0.0.2", "127.0.0.1", false],
    ["0x7f.1", "127.0.0.0/8", true],
    ["::ffff:127.0.0.1", "127.0.0.0/8", true], // mapped matches IPv4 networks by its embedded address
    ["::ffff:10.0.0.1", "127.0.0.0/8", false],
    ["64:ff9b::127.0.0.1", "127.0.0.0/8", false], // only mapped addresses, not NAT64
    ["127.0.0.1", "::ffff:127.0.0.0/104", false], // and not the other way round
    ["::ffff:127.0.0.1", "::ffff:127.0.0.0/104", true],
    ["fd00::1", "fd00::/8", true],
    ["fe00::1", "fd00::/8", false],
    ["fe80::1%eth0", "fe80::/10", true],
    ["febf::1", "fe80::/10", true],
    ["fec0::1", "fe80::/10", false],
    ["::1", "127.0.0.0/8", false],
    ["127.0.0.1", "::/0", false],
    ["example.com", "0.0.0.0/0", false],
  ])("%s in %s → %p", (ip, cidr, expected) => {
    expect(inCidr(ip, parseCidr(cidr))).toBe(expected);
  });
});

describe("refusalReason", () => {
  const allow = (...cidrs: string[]) => cidrs.map(parseCidr);

  test.each<[string, string[], string | null]>([
    ["8.8.8.8", [], null],
    ["2606:4700:4700::1111", [], null],
    ["::ffff:8.8.8.8", [], null], // the same host as 8.8.8.8 on the wire
    ["64:ff9b::8.8.8.8", [], null], // DNS64 synthesises these for IPv4-only targets
    ["127.0.0.1", [], "127.0.0.1 is a loopback address (add it to delivery.allowNetworks to allow it)"],
    ["0x7f.1", [], "0x7f.1 (127.0.0.1) is a loopback address (add it to delivery.allowNetworks to allow it)"],
    ["::1", [], "::1 is a loopback address (add it to delivery.allowNetworks to allow it)"],
    ["10.0.0.1", [], "10.0.0.1 is a private address (add it to delivery.allowNetworks to allow it)"],
    ["169.254.169.254", [], "169.254.169.254 is a link-local address (add it to delivery.allowNetworks to allow it)"],
    ["100.64.0.1", [], "100.64.0.1 is a carrier-grade NAT address (add it to delivery.allowNetworks to allow it)"],
    ["0.0.0.0", [], "0.0.0.0 is an unspecified address (add it to delivery.allowNetworks to allow it)"],
    ["fd00::1", [], "fd00::1 is a unique local address (add it to delivery.allowNetworks to allow it)"],
    ["::ffff:127.0.0.1", [], "::ffff:127.0.0.1 (embedding 127.0.0.1) is a loopback address (add it to delivery.allowNetworks to allow it)"],
    ["64:ff9b::a9fe:a9fe", [], "64:ff9b::a9fe:a9fe (embedding 169.254.169.254) is a link-local address (add it to delivery.allowNetworks to allow it)"],
    ["2002:a00:1::", [], "2002:a00:1:: (embedding 10.0.0.1) is a private address (add it to delivery.allowNetworks to allow it)"],
    ["2002:808:808::", [], "2002:808:808:: is a 6to4 address (add it to delivery.allowNetworks to allow it)"],
    ["2001:0:4136:e378:8000:63bf:f7f7:f7f7", [], "2001:0:4136:e378:8000:63bf:f7f7:f7f7 is a Teredo address (add it to delivery.allowNetworks to allow it)"],
    ["64:ff9b:1::8.8.8.8", [], "64:ff9b:1::8.8.8.8 is a NAT64 address (add it to delivery.allowNetworks to allow it)"],
    ["::ffff:0:127.0.0.1", [], "::ffff:0:127.0.0.1 (embedding 127.0.0.1) is a loopback address (add it to delivery.allowNetworks to allow it)"],
    ["::ffff:0:8.8.8.8", [], "::ffff:0:8.8.8.8 is an IPv4-translated address (add it to delivery.allowNetworks to allow it)"],
    ["1::", [], "1:: is a reserved address (add it to delivery.allowNetworks to allow it)"],
    ["2001:3::1", [], "2001:3::1 is a reserved address (add it to delivery.allowNetworks to allow it)"],
    ["4000::1", [], "4000::1 is a reserved address (add it to delivery.allowNetworks to allow it)"],
    ["example.com", [], "example.com is not an IP address"],
    // allowNetworks opts ranges back in, whatever their kind.
    ["127.0.0.1", ["127.0.0.0/8"], null],
    ["::ffff:127.0.0.1", ["127.0.0.0/8"], null],
    ["2130706433", ["127.0.0.0/8"], null],
    ["10.0.0.1", ["127.0.0.0/8"], "10.0.0.1 is a private address (add it to delivery.allowNetworks to allow it)"],
    ["::1", ["127.0.0.0/8"], "::1 is a loopback address (add it to delivery.allowNetworks to allow it)"],
    ["10.1.2.3", ["127.0.0.0/8", "10.0.0.0/8"], null],
    ["192.168.1.10", ["192.168.1.10"], null],
    ["192.168.1.11", ["192.168.1.10"], "192.168.1.11 is a private address (add it to delivery.allowNetworks to allow it)"],
    ["fd12::1", ["fd00::/8"], null],
    ["2002:808:808::", ["2002::/16"], null],
    ["64:ff9b::7f00:1", ["64:ff9b::/96"], null],
    ["224.0.0.1", ["0.0.0.0/0"], null],
    ["1::", ["1::/16"], null], // outside 2000::/3, but opted in
    ["::ffff:0:127.0.0.1", ["::ffff:0:0:0/96"], null],
  ])("%s with %p", (ip, cidrs, expected) => {
    expect(refusalReason(ip, allow(...cidrs))).toBe(expected);
  });
});
