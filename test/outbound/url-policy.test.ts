import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { resolveConfig } from "../../src/config/load.ts";
import { builtinPlugins } from "../../plugins/index.ts";
import { checkProxyUrl, checkResolvedUrl, checkUrl, type UrlPolicy } from "../../src/outbound/url-policy.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

const strict = { requireHttps: true, allowNetworks: [] as string[] };
const loose = { requireHttps: false, allowNetworks: ["127.0.0.1/32"] };

describe("checkUrl: what registration can know", () => {
  const cases: [string, typeof strict, string | null][] = [
    ["https://hooks.example.com/in", strict, null],
    ["https://93.184.216.34/in", strict, null],
    ["https://[2606:4700::1111]/in", strict, null],
    ["http://hooks.example.com/in", strict, "must be https (set delivery.requireHttps: false to allow http)"],
    ["http://hooks.example.com/in", loose, null],
    ["ftp://hooks.example.com/in", loose, "scheme ftp: is not allowed (use https)"],
    ["file:///etc/passwd", loose, "scheme file: is not allowed (use https)"],
    ["not a url", loose, "must be an absolute URL"],
    ["https://user:pw@hooks.example.com/", strict, 'must not hold credentials (use auth: { type: "basic", ... })'],
    ["https://169.254.169.254/latest/meta-data/", strict, "169.254.169.254 is a link-local address (add it to delivery.allowNetworks to allow it)"],
    ["https://10.1.2.3/", strict, "10.1.2.3 is a private address (add it to delivery.allowNetworks to allow it)"],
    ["https://100.64.0.1/", strict, "100.64.0.1 is a carrier-grade NAT address (add it to delivery.allowNetworks to allow it)"],
    // The URL parser reads decimal, octal and hex forms as the address they are.
    ["https://2130706433/", strict, "127.0.0.1 is a loopback address (add it to delivery.allowNetworks to allow it)"],
    ["https://0177.0.0.1/", strict, "127.0.0.1 is a loopback address (add it to delivery.allowNetworks to allow it)"],
    ["https://0x7f.1/", strict, "127.0.0.1 is a loopback address (add it to delivery.allowNetworks to allow it)"],
    ["https://[::ffff:169.254.169.254]/", strict, "::ffff:a9fe:a9fe (embedding 169.254.169.254) is a link-local address (add it to delivery.allowNetworks to allow it)"],
    ["https://[fd00::1]/", strict, "fd00::1 is a unique local address (add it to delivery.allowNetworks to allow it)"],
    ["https://[::]/", strict, ":: is an unspecified address (add it to delivery.allowNetworks to allow it)"],
    ["http://127.0.0.1:8080/", loose, null],
    ["http://127.0.0.2:8080/", loose, "127.0.0.2 is a loopback address (add it to delivery.allowNetworks to allow it)"],
    // IPv6 outside 2000::/3, and SIIT's ::ffff:0:a.b.c.d (the URL parser writes it in hex).
    ["https://[::ffff:0:127.0.0.1]/", strict, "::ffff:0:7f00:1 (embedding 127.0.0.1) is a loopback address (add it to delivery.allowNetworks to allow it)"],
    ["https://[1::]/", strict, "1:: is a reserved address (add it to delivery.allowNetworks to allow it)"],
    ["https://[2001:3::1]/", strict, "2001:3::1 is a reserved address (add it to delivery.allowNetworks to allow it)"],
    // Names that are loopback by definition (RFC 6761) are refused like 127.0.0.1, unless loopback is allowed.
    ["https://localhost/", strict, "localhost is a loopback name (add 127.0.0.0/8 to delivery.allowNetworks to allow it)"],
    ["https://LOCALHOST.:8443/", strict, "localhost. is a loopback name (add 127.0.0.0/8 to delivery.allowNetworks to allow it)"],
    ["https://api.localhost/", strict, "api.localhost is a loopback name (add 127.0.0.0/8 to delivery.allowNetworks to allow it)"],
    ["http://localhost:8080/", loose, null],
    ["http://a.b.localhost:8080/", loose, null],
    ["https://localhost/", { requireHttps: true, allowNetworks: ["::1/128"] }, null],
    ["https://localhost/", { requireHttps: true, allowNetworks: ["10.0.0.0/8"] }, "localhost is a loopback name (add 127.0.0.0/8 to delivery.allowNetworks to allow it)"],
    // A name is checked after resolving, at every attempt.
    ["https://localhost.example.test/", strict, null],
    ["https://notlocalhost/", strict, null],
  ];
  for (const [url, policy, expected] of cases) {
    test(`${url} (${policy.requireHttps ? "https only" : "http allowed"})`, () => {
      expect(checkUrl(url, policy)).toBe(expected);
    });
  }
});

describe("checkResolvedUrl: registration looks the name up", () => {
  const dns: Record<string, string[]> = { "internal.test": ["10.0.0.5"], "public.test": ["93.184.216.34"], "mixed.test": ["93.184.216.34", "10.0.0.5"], "empty.test": [] };
  const lookups: string[] = [];
  const resolve = async (host: string) => {
    lookups.push(host);
    if (host === "hang.test") return new Promise<string[]>(() => {});
    const answer = dns[host];
    if (!answer) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
    return answer;
  };
  test.each<[string, UrlPolicy, string | null]>([
    ["https://internal.test/x", strict, "internal.test resolves only to refused addresses: 10.0.0.5 is a private address (add it to delivery.allowNetworks to allow it)"],
    ["https://internal.test/x", { requireHttps: true, allowNetworks: ["10.0.0.0/8"] }, null],
    ["https://public.test/x", strict, null],
    ["https://mixed.test/x", strict, null], // refused at connect; not "only" refused here
    ["https://empty.test/x", strict, null],
    ["https://nxdomain.test/x", strict, null], // DNS may be fixed later; each attempt checks again
    ["https://hang.test/x", strict, null],
    ["https://localhost/x", strict, "localhost is a loopback name (add 127.0.0.0/8 to delivery.allowNetworks to allow it)"],
    ["http://public.test/x", strict, "must be https (set delivery.requireHttps: false to allow http)"],
    ["https://10.0.0.5/x", strict, "10.0.0.5 is a private address (add it to delivery.allowNetworks to allow it)"],
  ])("%s", async (url, policy, expected) => {
    expect(await checkResolvedUrl(url, policy, resolve, 50)).toBe(expected);
  });

  test("literals and refused URLs are not looked up", async () => {
    lookups.length = 0;
    for (const url of ["https://10.0.0.5/x", "https://[2606:4700::1111]/", "http://public.test/x", "https://localhost/", "https://api.localhost/"]) await checkResolvedUrl(url, strict, resolve, 50);
    expect(lookups).toEqual([]);
  });
});

describe("checkProxyUrl", () => {
  test.each([
    ["http://127.0.0.1:4750", null],
    ["http://user:secret@proxy.internal:3128/", null],
    ["https://proxy.internal:443", null],
    ["socks5://127.0.0.1:1080", "scheme socks5: is not supported: use an http:// (or https://) proxy URL"],
    ["http://proxy.internal:3128/some/path", 'must be the proxy\'s address only, with no path or query, like "http://127.0.0.1:4750"'],
    ["127.0.0.1:4750", 'must be a URL like "http://127.0.0.1:4750"'],
    ["proxy", 'must be a URL like "http://127.0.0.1:4750"'],
  ])("%s", (url, expected) => {
    expect(checkProxyUrl(url)).toBe(expected);
  });
});

describe("config check", () => {
  const load = (endpoints: { id: string; url: string }[], delivery: Record<string, unknown> = {}) =>
    resolveConfig({ endpoints: endpoints.map((e) => ({ events: ["*"], signing: { scheme: "none" as const }, ...e })), delivery }, "/tmp/hookgate-url-policy/webhooks.config.ts", builtinPlugins);

  test("an endpoint with a forbidden literal address or scheme fails, with the path and the fix", async () => {
    const result = await load([
      { id: "meta", url: "https://169.254.169.254/latest/meta-data/" },
      { id: "hex", url: "https://0x7f.1/hooks" },
      { id: "plain", url: "http://hooks.example.com/in" },
      { id: "fine", url: "https://hooks.example.com/in" },
      { id: "local", url: "https://localhost:8443/in" },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      { path: "endpoints[0].url", message: "169.254.169.254 is a link-local address (add it to delivery.allowNetworks to allow it)" },
      { path: "endpoints[1].url", message: "127.0.0.1 is a loopback address (add it to delivery.allowNetworks to allow it)" },
      { path: "endpoints[2].url", message: "must be https (set delivery.requireHttps: false to allow http)" },
      { path: "endpoints[4].url", message: "localhost is a loopback name (add 127.0.0.0/8 to delivery.allowNetworks to allow it)" },
    ]);
  });

  test("allowNetworks and requireHttps: false let them back in; a name that may resolve anywhere loads", async () => {
    const result = await load([
      { id: "local", url: "http://127.0.0.1:9000/in" },
      { id: "lan", url: "http://10.0.0.7/in" },
      { id: "name", url: "https://internal.example.test/in" },
      { id: "localhost", url: "http://localhost:9000/in" },
    ], { requireHttps: false, allowNetworks: ["127.0.0.0/8", "10.0.0.0/24"] });
    expect(result.ok).toBe(true);
  });

  test("a bad delivery.proxy fails with the path", async () => {
    const result = await load([], { proxy: "socks5://127.0.0.1:1080" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual([{ path: "delivery.proxy", message: "scheme socks5: is not supported: use an http:// (or https://) proxy URL" }]);
  });
});
