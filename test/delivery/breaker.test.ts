import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { baseConfig, startTestApp, waitFor, type TestApp } from "../support/app.ts";
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
    await waitFor(async () => (await statuses(a)).every((s) => s === "succeeded"), 15_000, "the backlog delivered after recovery");
    const ids = new Set(receiver.requests.filter((r) => r.headers["webhook-id"]).map((r) => r.headers["webhook-id"]));
    expect(ids.size).toBe(70);
    expect((await a.store.admin.endpoint("flaky", ALL))!.enabled).toBe(1);
  });
});
