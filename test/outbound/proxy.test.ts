import { afterAll, afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Socket } from "bun";
import { send, type SenderOptions } from "../../src/outbound/send.ts";
import { HAS_BLACKHOLE, startBlackhole, startTrap, TLS } from "./servers.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

/**
 * A tiny egress proxy, as smokescreen would sit: CONNECT host:port is tunnelled (to 127.0.0.1 only, so the
 * test cannot reach anything else), a plain absolute-form request is answered by the proxy itself. It
 * records what it was asked for.
 */
interface Asked { line: string; host: string | null }
function startProxy() {
  const asked: Asked[] = [];
  type State = { upstream: Socket<undefined> | null; pending: Buffer[]; started: boolean };
  const listener = Bun.listen<State>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) { s.data = { upstream: null, pending: [], started: false }; },
      async data(s, chunk) {
        if (s.data.started) {
          if (s.data.upstream) s.data.upstream.write(chunk); else s.data.pending.push(Buffer.from(chunk));
          return;
        }
        s.data.started = true;
        const text = chunk.toString("latin1");
        const line = text.slice(0, text.indexOf("\r\n"));
        asked.push({ line, host: /\r\nhost: *([^\r\n]*)/i.exec(text)?.[1] ?? null });
        const connect = /^CONNECT (127\.0\.0\.1):(\d+) HTTP\/1\.1$/.exec(line);
        if (!connect) {
          s.end(`HTTP/1.1 ${line.startsWith("CONNECT") ? "403 Forbidden" : "200 OK"}\r\ncontent-length: 9\r\nconnection: close\r\n\r\nvia proxy`);
          return;
        }
        s.data.upstream = await Bun.connect({
          hostname: connect[1]!, port: Number(connect[2]),
          socket: { data: (_u, d) => { s.write(d); }, close: () => { s.end(); }, error: () => { s.end(); } },
        });
        for (const b of s.data.pending.splice(0)) s.data.upstream.write(b);
        s.write("HTTP/1.1 200 Connection established\r\n\r\n");
      },
      close(s) { s.data.upstream?.end(); },
      error() {},
    },
  });
  return { url: `http://127.0.0.1:${listener.port}`, asked, stop: () => listener.stop(true) };
}

const proxy = startProxy();
const receiver = Bun.serve({ hostname: "127.0.0.1", port: 0, tls: { cert: TLS.cert, key: TLS.key }, fetch: async (r) => new Response(`host=${r.headers.get("host")} body=${await r.text()}`) });
afterAll(() => { proxy.stop(); receiver.stop(true); });
const cleanup: (() => void)[] = [];
afterEach(() => { for (const f of cleanup.splice(0)) f(); proxy.asked.length = 0; });

const options: SenderOptions = { requireHttps: true, allowNetworks: ["127.0.0.1/32"], proxy: proxy.url, ca: TLS.cert };
const post = (url: string, extra: Partial<SenderOptions> = {}) =>
  send({ url, headers: { "content-type": "application/json" }, body: "{}", timeoutMs: 3_000 }, { ...options, ...extra });

describe("egress proxy", () => {
  test("https goes through CONNECT to the checked address, with the name in SNI and Host", async () => {
    const result = await post(`https://${TLS.name}:${receiver.port}/hooks`, { resolve: async () => ["127.0.0.1"] });
    expect(result).toMatchObject({ statusCode: 200, error: null, responseBody: `host=${TLS.name}:${receiver.port} body={}` });
    // The proxy was asked for the address hookgate checked, never for the name (which it would resolve itself).
    expect(proxy.asked.map((a) => a.line)).toEqual([`CONNECT 127.0.0.1:${receiver.port} HTTP/1.1`]);
  });

  test("plain http (with requireHttps: false) asks the proxy for the checked address, Host keeps the name", async () => {
    const result = await post(`http://plain.example.test:8080/hooks?a=1`, { requireHttps: false, resolve: async () => ["127.0.0.1"] });
    expect(result).toMatchObject({ statusCode: 200, responseBody: "via proxy" });
    expect(proxy.asked).toEqual([{ line: "POST http://127.0.0.1:8080/hooks?a=1 HTTP/1.1", host: "plain.example.test:8080" }]);
  });

  test("the address policy still applies: a forbidden target never reaches the proxy", async () => {
    const blocked = startTrap("127.0.0.2", receiver.port);
    cleanup.push(blocked.stop);
    let n = 0;
    const resolve = async () => (n++ === 0 ? ["127.0.0.1"] : ["127.0.0.2"]); // rebinding behind a proxy
    expect((await post(`https://${TLS.name}:${receiver.port}/hooks`, { resolve })).statusCode).toBe(200);
    const refused = await post(`https://${TLS.name}:${receiver.port}/hooks`, { resolve });
    expect(refused).toMatchObject({ refused: true, statusCode: null });
    expect(refused.error).toContain("127.0.0.2 is a loopback address");
    expect(await post(`https://169.254.169.254/latest/meta-data/`)).toMatchObject({ refused: true });
    expect(await post(`https://[::ffff:a9fe:a9fe]/latest/meta-data/`)).toMatchObject({ refused: true });
    // The first attempt may reuse the pooled tunnel of an earlier test; either way only the checked address was asked for.
    expect(proxy.asked.filter((a) => a.line !== `CONNECT 127.0.0.1:${receiver.port} HTTP/1.1`)).toEqual([]);
    expect(blocked.connections).toBe(0);
  });

  test.skipIf(!HAS_BLACKHOLE)("a proxy that does not accept is a connect timeout", async () => {
    const hole = await startBlackhole();
    if (!hole) throw new Error("the blackhole listener could not be started");
    cleanup.push(hole.close);
    const result = await post(`https://${TLS.name}:${receiver.port}/hooks`, { resolve: async () => ["127.0.0.1"], proxy: `http://127.0.0.1:${hole.port}`, connectTimeoutMs: 200 });
    expect(result.statusCode).toBeNull();
    expect(result.error).toBe(`connect timeout: the proxy 127.0.0.1:${hole.port} did not accept a connection within 200 ms`);
  });
});
