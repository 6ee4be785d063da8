import { afterAll, afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { MAX_RESPONSE_BODY, send, systemResolver, type SenderOptions } from "../../src/outbound/send.ts";
import { pinTarget, rememberedResolver, RESOLVED_FOR_MS } from "../../src/outbound/target.ts";
import { startReceiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";
import { dribble, HAS_BLACKHOLE, startBlackhole, startRaw, startTrap, TLS, type RawServer, type Trap } from "./servers.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

// Only 127.0.0.1 is let back in; 127.0.0.2 stays a forbidden loopback address with a trap listening on it.
const policy: SenderOptions = { requireHttps: false, allowNetworks: ["127.0.0.1/32"] };
const post = (url: string, options: Partial<SenderOptions> = {}, timeoutMs = 2_000) =>
  send({ url, headers: { "content-type": "application/json" }, body: '{"ok":true}', timeoutMs }, { ...policy, ...options });

const receiver = startReceiver();
const cleanup: (() => void)[] = [];
afterEach(() => { for (const f of cleanup.splice(0)) f(); receiver.requests.length = 0; receiver.respond(() => new Response("ok")); });
afterAll(() => receiver.stop());

function trap(hostname: string, port = 0): Trap {
  const t = startTrap(hostname, port);
  cleanup.push(t.stop);
  return t;
}
function raw(onRequest: Parameters<typeof startRaw>[0]): RawServer {
  const s = startRaw(onRequest);
  cleanup.push(s.stop);
  return s;
}

describe("address policy at connect time", () => {
  test("a forbidden literal address is refused without a socket", async () => {
    const blocked = trap("127.0.0.2");
    for (const host of ["127.0.0.2", "0x7f.0.0.2", "2130706434", "[::ffff:127.0.0.2]"]) {
      const result = await post(`http://${host}:${blocked.port}/hooks`);
      expect(result).toMatchObject({ refused: true, statusCode: null });
      expect(result.error).toMatch(/127\.0\.0\.2\)? is a loopback address/);
    }
    await Bun.sleep(50); // a fixed wait: no connection may be made within it
    expect(blocked.connections).toBe(0);
  });

  test("a name is resolved, every address checked, and the connection made to the checked address", async () => {
    const seen: string[] = [];
    const resolve = async (host: string) => { seen.push(host); return ["127.0.0.1"]; };
    // .test names do not resolve in real DNS: the delivery can only arrive if fetch used the checked address.
    const result = await post(`http://hooks.example.test:${receiver.port}/hooks?x=1`, { resolve });
    expect(result).toMatchObject({ statusCode: 200, refused: false, error: null, responseBody: "ok" });
    expect(seen).toEqual(["hooks.example.test"]);
    expect(receiver.requests[0]).toMatchObject({ path: "/hooks", body: '{"ok":true}' });
    expect(receiver.requests[0]!.headers.host).toBe(`hooks.example.test:${receiver.port}`);
  });

  test("a name with any forbidden address among its answers is refused", async () => {
    const blocked = trap("127.0.0.2", receiver.port);
    const result = await post(`http://mixed.example.test:${receiver.port}/hooks`, { resolve: async () => ["127.0.0.1", "127.0.0.2"] });
    expect(result).toMatchObject({ refused: true, statusCode: null });
    expect(result.error).toBe("refused: mixed.example.test: 127.0.0.2 is a loopback address (add it to delivery.allowNetworks to allow it)");
    expect(receiver.requests).toHaveLength(0);
    expect(blocked.connections).toBe(0);
  });

  test("DNS rebinding: a name that answers an allowed address first and a forbidden one later is refused later", async () => {
    const blocked = trap("127.0.0.2", receiver.port); // same port: a rebinding attack's real target
    const answers = [["127.0.0.1"], ["127.0.0.2"], ["::ffff:127.0.0.2"], ["169.254.169.254"]];
    let n = 0;
    const resolve = async () => answers[Math.min(n++, answers.length - 1)]!;
    const url = `http://rebind.example.test:${receiver.port}/hooks`;
    expect(await post(url, { resolve })).toMatchObject({ statusCode: 200, refused: false });
    for (const expected of ["127.0.0.2 is a loopback", "::ffff:127.0.0.2 (embedding 127.0.0.2) is a loopback", "169.254.169.254 is a link-local"]) {
      const result = await post(url, { resolve });
      expect(result).toMatchObject({ refused: true, statusCode: null });
      expect(result.error).toContain(`rebind.example.test: ${expected} address`);
    }
    await Bun.sleep(50); // a fixed wait: no connection may be made within it
    expect(receiver.requests).toHaveLength(1);
    expect(blocked.connections).toBe(0);
  });

  test("a name's answer is kept for 10 s: one look-up for 64 attempts at once, checked on each under the policy in force", async () => {
    let clock = 1_000_000;
    const asked: string[] = [];
    let answer = ["127.0.0.1"];
    const resolve = rememberedResolver(async (host) => { asked.push(host); await Bun.sleep(5); return answer; }, RESOLVED_FOR_MS, () => clock);
    const url = `http://kept.example.test:${receiver.port}/hooks`;
    const results = await Promise.all(Array.from({ length: 64 }, () => post(url, { resolve })));
    expect(results.map((r) => r.statusCode)).toEqual(Array(64).fill(200));
    expect(asked).toEqual(["kept.example.test"]);
    // A reload that no longer allows the address refuses it at once, without a new look-up.
    const narrowed = await post(url, { resolve, allowNetworks: ["10.0.0.0/8"] });
    expect(narrowed).toMatchObject({ refused: true, statusCode: null });
    expect(narrowed.error).toContain("kept.example.test: 127.0.0.1 is a loopback address");
    // Rebinding after the answer's 10 s: the new answer is looked up and refused.
    answer = ["127.0.0.2"];
    clock += RESOLVED_FOR_MS - 1;
    expect(await post(url, { resolve })).toMatchObject({ statusCode: 200 });
    clock += 1;
    expect(await post(url, { resolve })).toMatchObject({ refused: true, error: expect.stringContaining("127.0.0.2 is a loopback") });
    expect(asked).toEqual(["kept.example.test", "kept.example.test"]);
    expect(receiver.requests).toHaveLength(65);
  });

  test("one answer is checked once per policy: the same decision for every attempt that gets it, a new one for a new answer or policy", async () => {
    let clock = 0;
    let answer = ["127.0.0.1"];
    const resolve = rememberedResolver(async () => answer, RESOLVED_FOR_MS, () => clock);
    const url = "http://checked.example.test:9/hooks";
    const first = await pinTarget(url, policy, resolve);
    expect(first).toMatchObject({ target: { address: "127.0.0.1", host: "checked.example.test:9", serverName: "checked.example.test" } });
    expect(await pinTarget(url, policy, resolve)).toBe(first);
    const narrowed = await pinTarget(url, { ...policy, allowNetworks: ["10.0.0.0/8"] }, resolve);
    expect(narrowed).toMatchObject({ refusal: expect.stringContaining("checked.example.test: 127.0.0.1 is a loopback address") });
    answer = ["127.0.0.2"];
    clock += RESOLVED_FOR_MS;
    expect(await pinTarget(url, policy, resolve)).toMatchObject({ refusal: expect.stringContaining("127.0.0.2 is a loopback") });
  });

  test("a failed look-up is not kept, and names are kept apart", async () => {
    let fail = true;
    const asked: string[] = [];
    const resolve = rememberedResolver(async (host) => {
      asked.push(host);
      if (fail) throw Object.assign(new Error(`queryA ENOTFOUND ${host}`), { code: "ENOTFOUND" });
      return ["127.0.0.1"];
    });
    const url = `http://flaky.example.test:${receiver.port}/hooks`;
    const failed = await Promise.all([post(url, { resolve }), post(url, { resolve })]);
    expect(failed.map((r) => r.refused)).toEqual([false, false]);
    expect(failed.every((r) => r.statusCode === null && /ENOTFOUND/.test(r.error ?? ""))).toBe(true);
    fail = false;
    expect(await post(url, { resolve })).toMatchObject({ statusCode: 200 });
    expect(await post(`http://other.example.test:${receiver.port}/hooks`, { resolve })).toMatchObject({ statusCode: 200 });
    expect(asked).toEqual(["flaky.example.test", "flaky.example.test", "other.example.test"]);
  });

  test("the system resolver is the remembering one", async () => {
    const first = systemResolver("localhost");
    expect(systemResolver("localhost")).toBe(first);
    expect(await first).toContain("127.0.0.1");
  });

  test("a resolver failure is a network error, not a refusal", async () => {
    const result = await post("http://gone.example.test/hooks", { resolve: async () => { throw Object.assign(new Error("queryA ENOTFOUND gone.example.test"), { code: "ENOTFOUND" }); } });
    expect(result).toMatchObject({ refused: false, statusCode: null });
    expect(result.error).toContain("ENOTFOUND");
    expect(await post("http://empty.example.test/hooks", { resolve: async () => [] })).toMatchObject({ refused: true, error: "refused: empty.example.test did not resolve to any address" });
  });
});

describe("scheme and redirects", () => {
  test("http is refused when https is required, other schemes always", async () => {
    expect(await post(receiver.url, { requireHttps: true })).toMatchObject({ refused: true, error: "refused: http is not allowed (use https, or set delivery.requireHttps: false)" });
    expect(await post(`ftp://127.0.0.1:${receiver.port}/x`)).toMatchObject({ refused: true, error: "refused: scheme ftp: is not allowed (use https)" });
    expect(receiver.requests).toHaveLength(0);
  });

  test("a 3xx is the answer: recorded, never followed", async () => {
    const elsewhere = trap("127.0.0.1");
    receiver.respond(() => new Response("moved", { status: 307, headers: { location: `http://127.0.0.1:${elsewhere.port}/x` } }));
    const result = await post(receiver.url);
    expect(result).toMatchObject({ statusCode: 307, responseBody: "moved", error: null });
    expect(result.responseHeaders.location).toBe(`http://127.0.0.1:${elsewhere.port}/x`);
    await Bun.sleep(50); // a fixed wait: the redirect must not be followed within it
    expect(elsewhere.connections).toBe(0);
  });
});

describe("https to the checked address", () => {
  test("TLS verifies the certificate against the name, not the address", async () => {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, tls: { cert: TLS.cert, key: TLS.key }, fetch: (r) => new Response(`host=${r.headers.get("host")}`) });
    cleanup.push(() => server.stop(true));
    const options = { requireHttps: true, resolve: async () => ["127.0.0.1"], ca: TLS.cert };
    const ok = await post(`https://${TLS.name}:${server.port}/hooks`, options);
    expect(ok).toMatchObject({ statusCode: 200, responseBody: `host=${TLS.name}:${server.port}`, error: null });
    // The same address under a name the certificate does not hold must fail the check.
    const wrong = await post(`https://other.example.test:${server.port}/hooks`, options);
    expect(wrong.statusCode).toBeNull();
    expect(wrong.error).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
    // And without trusting the self-signed certificate, nothing is sent.
    expect((await post(`https://${TLS.name}:${server.port}/hooks`, { ...options, ca: undefined })).statusCode).toBeNull();
  });
});

describe("no hangs", () => {
  test("a receiver that accepts and never answers is one timed-out attempt", async () => {
    const silent = raw(() => {});
    const result = await post(silent.url, {}, 300);
    expect(result).toMatchObject({ statusCode: null, refused: false, error: "timeout after 300 ms" });
    expect(result.durationMs).toBeLessThan(2_000);
  });

  test("a receiver answering byte by byte is cut off by the total timeout, in the headers or in the body", async () => {
    const head = raw((s) => dribble(s, "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello", 50));
    expect(await post(head.url, {}, 400)).toMatchObject({ statusCode: null, error: "timeout after 400 ms" });
    const body = raw((s) => { s.write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nab"); dribble(s, "c".repeat(98), 50); });
    const result = await post(body.url, {}, 400);
    expect(result.statusCode).toBeNull(); // a 200 whose body never finished is not a success
    expect(result.error).toBe("HTTP 200, then the response body failed: timeout after 400 ms");
    expect(result.responseBody).toStartWith("ab");
    await waitFor(() => head.closed + body.closed === 2, { timeoutMs: 2_000, what: "both connections dropped" });
    expect(head.closed + body.closed).toBe(2); // both connections were dropped
  });

  test("a receiver that resets mid-body is one failed attempt", async () => {
    const reset = raw((s) => { s.write("HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\npartial"); setTimeout(() => s.terminate(), 30); });
    const result = await post(reset.url);
    expect(result.statusCode).toBeNull();
    expect(result.error).toStartWith("HTTP 200, then the response body failed: ");
    expect(result.error).toContain("ECONNRESET");
    const half = raw((s) => { s.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\nhalf\r\n"); setTimeout(() => s.end(), 30); });
    expect((await post(half.url)).statusCode).toBeNull();
  });

  test("a receiver streaming without end costs 64 KiB: the body is capped and the connection dropped", async () => {
    const chunk = Buffer.alloc(64 * 1024, "x");
    let written = 0;
    const hose = raw((s) => {
      s.write("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n");
      const timer = setInterval(() => { if (s.readyState === 1) written += s.write(chunk); }, 1);
      s.data.timers.push(timer);
    });
    const result = await post(hose.url, {}, 5_000);
    expect(result).toMatchObject({ statusCode: 200, error: null });
    expect(result.responseBody.length).toBe(MAX_RESPONSE_BODY);
    await waitFor(() => hose.closed > 0, { timeoutMs: 1_000, what: "the connection dropped" });
    expect(hose.closed).toBe(1);
    expect(written).toBeLessThan(64 * 1024 * 1024); // it stopped long before gigabytes
  });

  test.skipIf(!HAS_BLACKHOLE)("connect timeout: a peer that never accepts fails the attempt at connectTimeoutMs, not the total timeout", async () => {
    const hole = await startBlackhole();
    if (!hole) throw new Error("the blackhole listener could not be started");
    cleanup.push(hole.close);
    const result = await post(`http://127.0.0.1:${hole.port}/hooks`, { connectTimeoutMs: 200 }, 10_000);
    expect(result.statusCode).toBeNull();
    expect(result.error).toBe("connect timeout: 127.0.0.1 did not accept a connection within 200 ms");
    expect(result.durationMs).toBeLessThan(5_000);
  });

  test("a slow answer within the total timeout is not a connect timeout", async () => {
    receiver.respond(async () => { await Bun.sleep(400); return new Response("late but fine"); });
    const result = await post(receiver.url, { connectTimeoutMs: 100 }, 3_000);
    expect(result).toMatchObject({ statusCode: 200, responseBody: "late but fine", error: null });
  });
});
