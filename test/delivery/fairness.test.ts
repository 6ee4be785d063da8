import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Socket } from "bun";
import { ADMIN_TOKEN, baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";

// Servers and receivers on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

/**
 * A receiver on a raw TCP listener that counts the connections carrying a request open now (and the most at once),
 * and answers a request only while `answer` says so: otherwise it reads the request and never answers. A connection
 * that never sends a byte (the sender's connect watch, src/outbound/connect-watch.ts) is not counted.
 */
interface Hanging { url: string; open: number; most: number; closed: number; answer: ((n: number) => number | null); requests: number; stop(): void }

function startHanging(): Hanging {
  const h: Hanging = { url: "", open: 0, most: 0, closed: 0, requests: 0, answer: () => null, stop: () => {} };
  const listener = Bun.listen<{ started: boolean }>({
    hostname: "127.0.0.1", port: 0,
    socket: {
      open(s) { s.data = { started: false }; },
      data(s: Socket<{ started: boolean }>) {
        if (s.data.started) return;
        s.data.started = true;
        h.open++; h.most = Math.max(h.most, h.open);
        const status = h.answer(++h.requests);
        if (status !== null) s.end(`HTTP/1.1 ${status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      },
      close(s) { if (s.data.started) { h.open--; h.closed++; } },
      error() {},
    },
  });
  h.url = `http://127.0.0.1:${listener.port}/hooks`;
  h.stop = () => listener.stop(true);
  return h;
}

let app: TestApp | null = null;
const cleanup: (() => void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) f(); // receivers first, so attempts in flight end and shutdown is quick
  await app?.close();
  app = null;
});

function hanging(): Hanging { const h = startHanging(); cleanup.push(h.stop); return h; }
function receiver(handler?: Parameters<typeof startReceiver>[0]): Receiver { const r = startReceiver(handler); cleanup.push(r.stop); return r; }

async function start(endpoints: Record<string, unknown>[], delivery: Record<string, unknown> = {}, tenants: Record<string, unknown> = {}) {
  app = await startTestApp(baseConfig({
    endpoints: endpoints.map((e) => ({ events: ["*"], signing: { scheme: "none" }, ...e })) as never,
    delivery: { schedule: ["1h"], jitter: 0, ...delivery } as never,
    tenants: tenants as never,
  }));
  return app;
}

const events = (type: string, n: number, tenant?: string) => Array.from({ length: n }, (_, i) => ({ type, data: { i }, ...(tenant && { tenant }) }));
const api = (a: TestApp, method: string, path: string, body?: unknown) => fetch(`${a.url}/api/v1${path}`, {
  method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
});
const deliveriesOf = (a: TestApp, endpoint: string) => dbOf(a.store).selectFrom("deliveries").selectAll().where("endpoint_id", "=", endpoint).execute();
const attemptsOf = (a: TestApp, endpoint: string) => dbOf(a.store).selectFrom("attempts").selectAll().where("endpoint_id", "=", endpoint).execute();

/** A receiver answering after `ms`, counting the requests in flight at once. */
function slow(ms: number): Receiver & { most: () => number } {
  let now = 0; let most = 0;
  const r = receiver(async () => { most = Math.max(most, ++now); await Bun.sleep(ms); now--; return new Response("ok"); });
  return Object.assign(r, { most: () => most });
}

describe("one tenant's hanging receivers never delay another tenant's deliveries", () => {
  test("tenant A's 50 endpoints that never answer leave tenant B several slots (tenants.maxConcurrency)", async () => {
    const dead = hanging();
    const b = slow(500);
    const a = await start([
      ...Array.from({ length: 50 }, (_, i) => ({ id: `a-${i}`, tenant: "a", url: `${dead.url}/${i}`, events: ["a.*"], timeoutMs: 300_000 })),
      { id: "b", tenant: "b", url: b.url, events: ["b.*"] },
    ]);
    for (let i = 0; i < 4; i++) expect((await a.post(events("a.x", 1, "a"))).status).toBe(202);
    await waitFor(() => dead.open >= 16, { timeoutMs: 5_000, what: "tenant A's attempts in flight" });
    await Bun.sleep(300); // every slot A can take, taken
    // A quarter of delivery.concurrency (64) by default.
    expect(dead.open).toBe(16);
    const sentAt = Date.now();
    expect((await a.post(events("b.x", 30, "b"))).status).toBe(202);
    await waitFor(() => b.requests.length === 30, { timeoutMs: 5_000, what: "tenant B's 30 deliveries" });
    await waitFor(async () => (await deliveriesOf(a, "b")).every((d) => d.status === "succeeded"), { timeoutMs: 5_000, what: "B's deliveries succeeded" });
    expect(Date.now() - sentAt).toBeLessThan(3_000);
    expect(b.most()).toBeGreaterThanOrEqual(8);
    expect(dead.most).toBeLessThanOrEqual(16);
  });

  test("tenants.maxConcurrency set in the config holds, and a global endpoint is not limited by it", async () => {
    const dead = hanging();
    const g = hanging();
    const a = await start([
      ...Array.from({ length: 10 }, (_, i) => ({ id: `a-${i}`, tenant: "a", url: `${dead.url}/${i}`, events: ["a.*"], timeoutMs: 300_000 })),
      { id: "g", url: g.url, events: ["g.*"], timeoutMs: 300_000, maxConcurrency: 12 },
    ], { concurrency: 32 }, { maxConcurrency: 3 });
    await a.post(events("a.x", 5, "a"));
    await a.post(events("g.x", 12));
    await waitFor(() => g.open === 12, { timeoutMs: 5_000, what: "the global endpoint's 12 attempts" });
    await Bun.sleep(300);
    expect(dead.open).toBe(3);
  });
});

describe("the process never has more than delivery.concurrency sockets open", () => {
  test("hanging endpoints, a /test, a manual retry and a verify ping stay within the cap", async () => {
    const dead = hanging();
    const ok = receiver();
    const a = await start([
      // Six hanging attempts for the whole test (one per endpoint, long timeouts), leaving two slots: none of them
      // ends and is replaced while the receiver has yet to see its socket close (a moment in which it would count one
      // socket too many), and the /test, the verify ping, the retry and the deliveries must share the two.
      ...Array.from({ length: 6 }, (_, i) => ({ id: `dead-${i}`, url: `${dead.url}/${i}`, events: ["d.*"], timeoutMs: 300_000, maxConcurrency: 1 })),
      { id: "ok", url: ok.url, events: ["ok.*"] },
    ], { concurrency: 8 });
    let busy = 0; let most = 0;
    ok.respond(async () => { most = Math.max(most, dead.open + ++busy); await Bun.sleep(50); busy--; return new Response("ok"); });
    const sample = setInterval(() => { most = Math.max(most, dead.open + busy); }, 2);
    try {
      await a.post(events("d.x", 3));
      await waitFor(() => dead.open === 6, { timeoutMs: 5_000, what: "the hanging attempts" });
      const [test, verify] = await Promise.all([
        api(a, "POST", "/endpoints/ok/test", {}),
        api(a, "POST", "/endpoints", { url: ok.url, events: ["ok.*"], verify: true }),
        a.post(events("ok.x", 3)),
      ]);
      expect(test.status).toBe(200);
      expect(verify.status).toBe(201);
      const [delivery] = await deliveriesOf(a, "ok");
      expect((await api(a, "POST", `/deliveries/${delivery!.id}/retry`)).status).toBe(200);
      await waitFor(() => ok.requests.length >= 6, { timeoutMs: 10_000, what: "the healthy endpoint's requests" });
    } finally {
      clearInterval(sample);
    }
    expect(Math.max(most, dead.most)).toBeLessThanOrEqual(8);
  });
});

describe("disabling or deleting an endpoint aborts its attempts in flight", () => {
  test("PATCH enabled:false closes the connections at once; the deliveries wait and are sent when it is enabled", async () => {
    const dead = hanging();
    const a = await start([{ id: "slowpoke", tenant: "a", url: dead.url, timeoutMs: 300_000 }]);
    await a.post(events("x.y", 3, "a"));
    await waitFor(() => dead.open === 3, { timeoutMs: 5_000, what: "three attempts in flight" });
    const at = Date.now();
    expect((await api(a, "PATCH", "/endpoints/slowpoke", { enabled: false })).status).toBe(200);
    await waitFor(() => dead.closed === 3, { timeoutMs: 2_000, what: "the receiver sees the connections closed" });
    expect(Date.now() - at).toBeLessThan(2_000);
    await waitFor(() => a.dispatcher.stats().active === 0, { timeoutMs: 500, what: "the slots freed" });
    await waitFor(async () => (await attemptsOf(a, "slowpoke")).length === 3, { timeoutMs: 2_000, what: "the aborted attempts recorded" });
    for (const attempt of await attemptsOf(a, "slowpoke")) expect(attempt.error).toContain("disabled");
    expect((await deliveriesOf(a, "slowpoke")).map((d) => d.status)).toEqual(["retrying", "retrying", "retrying"]);
    expect((await a.store.endpoint("slowpoke"))!.consecutiveFailures).toBe(0); // not the receiver's fault
    dead.answer = () => 200;
    expect((await api(a, "PATCH", "/endpoints/slowpoke", { enabled: true })).status).toBe(200);
    await waitFor(async () => (await deliveriesOf(a, "slowpoke")).every((d) => d.status === "succeeded"), { timeoutMs: 5_000, what: "the deliveries resume" });
  });

  test("auto-disable (a 410) aborts the endpoint's other attempts in flight; their deliveries are not failed", async () => {
    const dead = hanging();
    const a = await start([{ id: "gone", url: dead.url, timeoutMs: 300_000, maxConcurrency: 4 }]);
    await a.post(events("x.y", 3));
    await waitFor(() => dead.open === 3, { timeoutMs: 5_000, what: "three attempts in flight" });
    dead.answer = () => 410;
    await a.post(events("x.y", 1));
    await waitFor(async () => (await a.store.endpoint("gone"))!.enabled === false, { timeoutMs: 5_000, what: "the endpoint disabled" });
    await waitFor(() => dead.open === 0, { timeoutMs: 2_000, what: "the other attempts aborted" });
    await waitFor(() => a.dispatcher.stats().active === 0, { timeoutMs: 500, what: "the slots freed" });
    await waitFor(async () => (await attemptsOf(a, "gone")).length === 4, { timeoutMs: 2_000, what: "every attempt recorded" });
    const statuses = (await deliveriesOf(a, "gone")).map((d) => d.status).sort();
    expect(statuses).toEqual(["failed", "retrying", "retrying", "retrying"]);
  });

  test("DELETE closes the connections at once, frees the slots and records nothing for the endpoint", async () => {
    const dead = hanging();
    const b = slow(10);
    const a = await start([{ id: "b", tenant: "a", url: b.url, events: ["b.*"] }], { concurrency: 8 }, { maxConcurrency: 4, maxTimeoutMs: 300_000 });
    const created = await api(a, "POST", "/endpoints", { tenant: "a", url: dead.url, events: ["x.*"], verify: false, timeoutMs: 300_000, maxConcurrency: 4 });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await a.post(events("x.y", 4, "a"));
    await waitFor(() => dead.open === 4, { timeoutMs: 5_000, what: "four attempts in flight" });
    expect((await api(a, "DELETE", `/endpoints/${id}`)).status).toBe(204);
    await waitFor(() => dead.closed === 4, { timeoutMs: 2_000, what: "the receiver sees the connections closed" });
    // The receiver can see a socket close a moment before the sender's side of the abort settles.
    await waitFor(() => a.dispatcher.stats().active === 0, { timeoutMs: 500, what: "the slots freed" });
    await a.post(events("b.x", 4, "a"));
    await waitFor(() => b.requests.length === 4, { timeoutMs: 2_000, what: "the tenant's other endpoint gets the freed slots" });
    await Bun.sleep(200);
    expect(await attemptsOf(a, id)).toHaveLength(0);
  });
});
