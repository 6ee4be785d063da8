import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";
import { TenantScope } from "../../src/core/scope.ts";

/** The system's own view of the store: every tenant. */
const ALL = TenantScope.everyTenant();

// Servers and receivers on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
let receiver: Receiver;
let app: TestApp | null = null;
let inFlight = 0;
let maxInFlight = 0;
let failing = true;

beforeAll(() => {
  receiver = startReceiver(async () => {
    inFlight++; maxInFlight = Math.max(maxInFlight, inFlight);
    await Bun.sleep(20);
    inFlight--;
    return new Response(failing ? "down" : "ok", { status: failing ? 500 : 200 });
  });
});
afterAll(() => receiver.stop());
afterEach(async () => { await app?.close(); app = null; });

const statuses = async (a: TestApp) => (await dbOf(a.store).selectFrom("deliveries").select("status").execute()).map((d) => d.status);

describe("circuit breaker", () => {
  test("an always-500 endpoint gets one probe at a time on the retry schedule; the backlog flows once a probe succeeds", async () => {
    app = await startTestApp(baseConfig({
      endpoints: [{ id: "flaky", url: receiver.url, events: ["*"], secret: SECRET, maxConcurrency: 16 }] as never,
      delivery: { jitter: 0, schedule: Array(30).fill("300ms"), circuitBreakerAfter: 5 } as never,
    }));
    const a = app;
    await a.post(Array.from({ length: 50 }, (_, i) => ({ type: "job.done", data: { i } })));
    // The first attempts were on their way before any failed; once the streak passes the threshold, probes only.
    await Bun.sleep(1_000);
    const settled = receiver.requests.length;
    maxInFlight = 0;
    await Bun.sleep(1_500);
    const during = receiver.requests.length - settled;
    expect(maxInFlight).toBeLessThanOrEqual(1);
    expect(during).toBeGreaterThanOrEqual(2); // the probes keep coming, ~one per 300 ms
    expect(during).toBeLessThanOrEqual(7);
    // New deliveries while open are stored as due at the probe time, not sent.
    const before = receiver.requests.length;
    await a.post(Array.from({ length: 20 }, (_, i) => ({ type: "job.late", data: { i } })));
    await Bun.sleep(100);
    expect(receiver.requests.length - before).toBeLessThanOrEqual(1);
    expect((await statuses(a)).filter((s) => s === "failed")).toEqual([]);
    failing = false;
    await waitFor(async () => (await statuses(a)).every((s) => s === "succeeded"), { timeoutMs: 15_000, what: "the backlog delivered after recovery" });
    const ids = new Set(receiver.requests.filter((r) => r.headers["webhook-id"]).map((r) => r.headers["webhook-id"]));
    expect(ids.size).toBe(70);
    expect((await a.store.admin.endpoint("flaky", ALL))!.enabled).toBe(true);
  });
});

describe("circuit breaker: the probe comes at least every maxProbeDelay (30 s; shortened here), whatever the schedule", () => {
  test("a receiver that comes back gets the backlog within it; the other deliveries keep their schedule and numbering", async () => {
    let down = true;
    const rx = startReceiver(() => new Response(down ? "down" : "ok", { status: down ? 503 : 200 }));
    try {
      // The schedule's second step is an hour: a probe that followed it would wait that long (5 minutes before the fix).
      app = await startTestApp(baseConfig({
        endpoints: [{ id: "back", url: rx.url, events: ["*"], secret: SECRET, maxConcurrency: 1 }] as never,
        delivery: { jitter: 0, schedule: ["100ms", "1h"], circuitBreakerAfter: 2 } as never,
      }), { maxProbeDelayMs: 1_000 });
      const a = app;
      await a.post(Array.from({ length: 6 }, (_, i) => ({ type: "job.done", data: { i } })));
      // Two failures open it; the first probe (100 ms) fails, and the next ones come a second apart, not an hour.
      await waitFor(() => rx.requests.length >= 5, { timeoutMs: 10_000, what: "probes a second apart" });
      const gaps = rx.requests.slice(3, 5).map((r, i) => r.at - rx.requests[2 + i]!.at);
      expect(Math.max(...gaps)).toBeLessThan(2_500);

      down = false;
      const back = Date.now();
      await a.post(Array.from({ length: 2 }, (_, i) => ({ type: "job.late", data: { i } })));
      const db = dbOf(a.store);
      const rows = () => db.selectFrom("deliveries").select(["id", "status", "attempts", "next_attempt_at"]).execute();
      // Delivered: all but those whose second attempt failed, which wait for their third, an hour after it.
      await waitFor(async () => (await rows()).every((d) => d.status === "succeeded" || (d.status === "retrying" && d.attempts === 2)), { timeoutMs: 10_000, what: "the backlog after recovery" });
      const firstSuccess = rx.requests.find((r) => r.at >= back)!;
      expect(firstSuccess.at - back).toBeLessThan(1_000 + 1_500);
      const waiting = (await rows()).filter((d) => d.status === "retrying");
      expect(waiting.length).toBeGreaterThanOrEqual(1);
      for (const d of waiting) expect(Number(d.next_attempt_at)).toBeGreaterThan(Date.now() + 55 * 60_000);
      expect((await rows()).filter((d) => d.status === "succeeded")).toHaveLength(8 - waiting.length);
      // Each event's attempts are numbered 1, 2, ... in the order they were sent.
      const byEvent = new Map<string, number[]>();
      for (const r of rx.requests) byEvent.set(r.headers["webhook-id"]!, [...(byEvent.get(r.headers["webhook-id"]!) ?? []), Number(r.headers["webhook-attempt"])]);
      for (const numbers of byEvent.values()) expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    } finally {
      rx.stop();
    }
  });
});
