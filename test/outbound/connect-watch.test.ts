import { expect, setDefaultTimeout, test } from "bun:test";
import { markCold, markWarm, watchConnect } from "../../src/outbound/connect-watch.ts";
import { send, type SenderOptions } from "../../src/outbound/send.ts";
import { HAS_BLACKHOLE, startBlackhole, startTrap } from "./servers.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

const settle = () => Bun.sleep(50);

test("a cold destination is watched with one plain TCP connect, closed as soon as it is accepted", async () => {
  const trap = startTrap("127.0.0.1");
  const key = `127.0.0.1 ${trap.port}`;
  markCold(key);
  let expired = false;
  watchConnect(key, "127.0.0.1", trap.port, 1_000, () => { expired = true; });
  await settle();
  expect(trap.connections).toBe(1);
  // Once it accepted, the destination is warm: the next attempt opens no extra connection.
  watchConnect(key, "127.0.0.1", trap.port, 1_000, () => {});
  await settle();
  expect(trap.connections).toBe(1);
  expect(expired).toBe(false);
  trap.stop();
});

test("a warm destination is not watched until a failure makes it cold again", async () => {
  const trap = startTrap("127.0.0.1");
  const key = `127.0.0.1 ${trap.port}`;
  markWarm(key);
  watchConnect(key, "127.0.0.1", trap.port, 1_000, () => {})();
  await settle();
  expect(trap.connections).toBe(0);
  markCold(key);
  watchConnect(key, "127.0.0.1", trap.port, 1_000, () => {});
  await settle();
  expect(trap.connections).toBe(1);
  trap.stop();
});

test("a refused connect does not fire: the fetch reports it on its own", async () => {
  const trap = startTrap("127.0.0.1");
  const port = trap.port;
  trap.stop(); // nothing listens there now: ECONNREFUSED at once
  let expired = false;
  watchConnect(`127.0.0.1 ${port}`, "127.0.0.1", port, 100, () => { expired = true; });
  await Bun.sleep(300);
  expect(expired).toBe(false);
});

test.skipIf(!HAS_BLACKHOLE)("a peer that never accepts fires after the timeout, and stop() abandons the connect", async () => {
  const hole = await startBlackhole();
  if (!hole) throw new Error("the blackhole listener could not be started");
  const started = Date.now();
  await new Promise<void>((fired) => watchConnect(`127.0.0.1 ${hole.port}`, "127.0.0.1", hole.port, 150, fired));
  expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  let expired = false;
  const stop = watchConnect(`127.0.0.1 ${hole.port}`, "127.0.0.1", hole.port, 150, () => { expired = true; });
  stop();
  await Bun.sleep(300);
  expect(expired).toBe(false);
  hole.close();
});

test("attempts to a warm destination leave nothing behind (no reaction per attempt on a shared promise)", async () => {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("no", { status: 500 }) });
  const url = `http://127.0.0.1:${server.port}/hooks`;
  const options: SenderOptions = { requireHttps: false, allowNetworks: ["127.0.0.1/32"], connectTimeoutMs: 1_000 };
  // A fresh ~2 KB body per attempt: if anything keeps an attempt's closure, its body stays with it.
  const attempt = (i: number) => send({ url, headers: { "content-type": "application/json" }, body: JSON.stringify({ i, pad: "x".repeat(2_000) }), timeoutMs: 5_000 }, options);
  const run = async (from: number, count: number) => {
    let next = from;
    const worker = async () => { while (next < from + count) { const r = await attempt(next++); expect(r.statusCode).toBe(500); } };
    await Promise.all(Array.from({ length: 32 }, worker));
  };
  const heap = () => { Bun.gc(true); return process.memoryUsage().heapUsed; };
  try {
    await run(0, 1_000); // warms the destination (it answered) and the runtime's own caches
    const before = heap();
    await run(1_000, 20_000);
    await Bun.sleep(50);
    const grown = (heap() - before) / 1024 / 1024;
    expect(grown).toBeLessThan(4); // 20,000 retained attempts would hold 40 MB of bodies alone
  } finally {
    server.stop(true);
  }
}, 120_000);
