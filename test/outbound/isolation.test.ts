import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { EndpointConfig } from "../../src/config/schema.ts";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { startRaw, startTrap } from "./servers.ts";
import { dbOf } from "../support/store-db.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

type EndpointInput = Partial<EndpointConfig> & { id: string; url: string };
let app: TestApp | null = null;
const cleanup: (() => void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) f(); // receivers first, so attempts in flight end and shutdown is quick
  await app?.close();
  app = null;
});

function receiver(handler?: Parameters<typeof startReceiver>[0]): Receiver {
  const r = startReceiver(handler);
  cleanup.push(r.stop);
  return r;
}

async function start(endpoints: EndpointInput[], delivery: Record<string, unknown> = {}, resolve?: (host: string) => Promise<string[]>) {
  app = await startTestApp(baseConfig({
    endpoints: endpoints.map((e) => ({ events: ["*"], signing: { scheme: "none" }, ...e })) as never,
    delivery: { schedule: ["1h"], jitter: 0, ...delivery } as never,
  }), { resolve });
  return app;
}

const events = (type: string, n: number) => Array.from({ length: n }, (_, i) => ({ type, data: { i } }));
const attempts = (a: TestApp) => dbOf(a.store).selectFrom("attempts").selectAll().orderBy("started_at").execute();

describe("a slow or dead endpoint never delays healthy ones", () => {
  test("one endpoint hangs, the healthy one's deliveries all arrive while the hanging ones are still pending", async () => {
    const hanging = startRaw(() => {}); // accepts, reads, never answers
    cleanup.push(hanging.stop);
    const healthy = receiver();
    // A small global limit: the hanging endpoint could take every slot if lanes were not kept apart.
    const a = await start([
      { id: "dead", url: hanging.url, timeoutMs: 30_000 },
      { id: "ok", url: healthy.url },
    ], { concurrency: 4 });
    const sentAt = Date.now();
    for (let i = 0; i < 4; i++) expect((await a.post(events("job.done", 5))).status).toBe(202);
    await waitFor(() => healthy.requests.length === 20, { timeoutMs: 2_000, what: "all 20 healthy deliveries within 2 s" });
    expect(Math.max(...healthy.requests.map((r) => r.at)) - sentAt).toBeLessThan(2_000);
    expect(hanging.connections).toBeGreaterThan(0);
    const dead = await dbOf(a.store).selectFrom("deliveries").select("status").where("endpoint_id", "=", "dead").execute();
    expect(dead).toHaveLength(20);
    expect(dead.every((d) => d.status === "pending")).toBe(true);
  });

  test("a rate-limited endpoint waiting for its next token does not hold up another endpoint's", async () => {
    const slow = receiver();
    const fast = receiver();
    const a = await start([
      { id: "slow", url: slow.url, events: ["a.*"], rateLimit: 0.2 }, // one every 5 s
      { id: "fast", url: fast.url, events: ["b.*"], rateLimit: 10 },
    ]);
    await a.post(events("a.x", 2));
    await waitFor(() => slow.requests.length === 1, { timeoutMs: 2_000, what: "the first slow delivery" });
    const sentAt = Date.now();
    await a.post(events("b.x", 20));
    await waitFor(() => fast.requests.length === 20, { timeoutMs: 4_500, what: "20 fast deliveries before the slow lane's next token" });
    const times = fast.requests.map((r) => r.at).sort((x, y) => x - y);
    // The limit holds, and the lane is woken for each token: a burst of 10, then one every 100 ms (not all at the next sweep).
    expect(times[19]! - times[0]!).toBeGreaterThanOrEqual(800);
    expect(times[19]! - times[10]!).toBeGreaterThanOrEqual(600);
    const gaps = times.slice(10).map((t, i) => t - times[9 + i]!);
    // A lane left to the 1 s sweep would show a gap of about a second; 800 ms leaves room for a loaded machine.
    expect(Math.max(...gaps)).toBeLessThan(800);
    // Before the slow lane's next token (5 s after its first): 4.5 s, not the ~1 s it takes, for a loaded machine.
    expect(Math.max(...times) - sentAt).toBeLessThan(4_500);
    expect(slow.requests).toHaveLength(1);
  });

  test("maxConcurrency bounds the attempts in flight to one endpoint", async () => {
    let inFlight = 0;
    let most = 0;
    const busy = receiver(async () => {
      most = Math.max(most, ++inFlight);
      await Bun.sleep(100);
      inFlight--;
      return new Response("ok");
    });
    const a = await start([{ id: "busy", url: busy.url, maxConcurrency: 2 }]);
    await a.post(events("job.done", 8));
    await waitFor(() => busy.requests.length === 8, { timeoutMs: 5_000, what: "8 deliveries" });
    expect(most).toBe(2);
  });
});

describe("the address policy in the running gateway", () => {
  test("a rebinding name is refused at the attempt, the refusal is recorded, the forbidden address never sees a socket", async () => {
    const good = receiver();
    const blocked = startTrap("127.0.0.2", good.port);
    cleanup.push(blocked.stop);
    let n = 0;
    const resolve = async () => (n++ === 0 ? ["127.0.0.1"] : ["127.0.0.2"]);
    const a = await start([{ id: "rebind", url: `http://rebind.example.test:${good.port}/hooks` }], { allowNetworks: ["127.0.0.1/32"] }, resolve);
    await a.post({ type: "job.done", data: { n: 1 } });
    await waitFor(() => good.requests.length === 1, { timeoutMs: 2_000, what: "the first delivery" });
    expect(good.requests[0]!.headers.host).toBe(`rebind.example.test:${good.port}`);
    await a.post({ type: "job.done", data: { n: 2 } });
    await waitFor(async () => (await attempts(a)).length === 2, { timeoutMs: 2_000, what: "the second attempt recorded" });
    const [, refused] = await attempts(a);
    expect(refused).toMatchObject({
      status_code: null,
      error: "refused: rebind.example.test: 127.0.0.2 is a loopback address (add it to delivery.allowNetworks to allow it)",
    });
    const delivery = await dbOf(a.store).selectFrom("deliveries").selectAll().where("id", "=", refused!.delivery_id).executeTakeFirstOrThrow();
    expect(delivery.status).toBe("retrying"); // the DNS may be fixed meanwhile (DESIGN section 8)
    expect(good.requests).toHaveLength(1);
    expect(blocked.connections).toBe(0);
  });
});
