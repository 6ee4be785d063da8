import { expect, setDefaultTimeout, test } from "bun:test";
import { markCold, markWarm, watchConnect } from "../../src/outbound/connect-watch.ts";
import { startBlackhole, startTrap } from "./servers.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

const settle = () => Bun.sleep(50);

test("a cold destination is watched with one plain TCP connect, closed as soon as it is accepted", async () => {
  const trap = startTrap("127.0.0.1");
  const key = `127.0.0.1 ${trap.port}`;
  markCold(key);
  let expired = false;
  const watch = watchConnect(key, "127.0.0.1", trap.port, 1_000);
  void watch.expired.then(() => { expired = true; });
  await settle();
  expect(trap.connections).toBe(1);
  // Once it accepted, the destination is warm: the next attempt opens no extra connection.
  watchConnect(key, "127.0.0.1", trap.port, 1_000);
  await settle();
  expect(trap.connections).toBe(1);
  expect(expired).toBe(false);
  trap.stop();
});

test("a warm destination is not watched until a failure makes it cold again", async () => {
  const trap = startTrap("127.0.0.1");
  const key = `127.0.0.1 ${trap.port}`;
  markWarm(key);
  watchConnect(key, "127.0.0.1", trap.port, 1_000).stop();
  await settle();
  expect(trap.connections).toBe(0);
  markCold(key);
  watchConnect(key, "127.0.0.1", trap.port, 1_000);
  await settle();
  expect(trap.connections).toBe(1);
  trap.stop();
});

test("a refused connect does not fire: the fetch reports it on its own", async () => {
  const trap = startTrap("127.0.0.1");
  const port = trap.port;
  trap.stop(); // nothing listens there now: ECONNREFUSED at once
  let expired = false;
  void watchConnect(`127.0.0.1 ${port}`, "127.0.0.1", port, 100).expired.then(() => { expired = true; });
  await Bun.sleep(300);
  expect(expired).toBe(false);
});

test("a peer that never accepts fires after the timeout, and stop() abandons the connect", async () => {
  const hole = await startBlackhole();
  if (!hole) { console.log("skipping the blackhole test: needs Linux (listen(2) via FFI)"); return; }
  const started = Date.now();
  await watchConnect(`127.0.0.1 ${hole.port}`, "127.0.0.1", hole.port, 150).expired;
  expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  let expired = false;
  const watch = watchConnect(`127.0.0.1 ${hole.port}`, "127.0.0.1", hole.port, 150);
  void watch.expired.then(() => { expired = true; });
  watch.stop();
  await Bun.sleep(300);
  expect(expired).toBe(false);
  hole.close();
});
