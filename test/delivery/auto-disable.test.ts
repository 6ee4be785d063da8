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
let logs: string[] = [];

beforeAll(() => { receiver = startReceiver(); });
afterAll(() => receiver.stop());
afterEach(async () => { await app?.close(); app = null; logs = []; receiver.requests.length = 0; receiver.respond(() => new Response("ok")); });

async function start(endpoint: Record<string, unknown>, delivery: Record<string, unknown> = {}) {
  app = await startTestApp(baseConfig({
    endpoints: [{ id: "crm", url: receiver.url, events: ["*"], secret: SECRET, ...endpoint }] as never,
    delivery: { jitter: 0, ...delivery } as never,
  }), { logs });
  return app;
}
const endpointRow = (a: TestApp) => a.store.admin.endpoint("crm", ALL);
const events = (n: number) => Array.from({ length: n }, (_, i) => ({ type: "job.done", data: { i } }));

describe("auto-disable needs a sustained streak (autoDisableWindow)", () => {
  test("a receiver down for a moment under load is not disabled with the default window", async () => {
    receiver.respond(() => new Response("down", { status: 503 }));
    const a = await start({ autoDisableAfter: 3 }, { schedule: ["200ms", "200ms", "200ms", "200ms", "200ms", "200ms"] });
    await a.post(events(40));
    await waitFor(() => receiver.requests.length >= 20, { timeoutMs: 5_000, what: "the failing attempts" });
    await waitFor(async () => (await endpointRow(a))!.consecutiveFailures >= 3, { timeoutMs: 5_000, what: "a streak past autoDisableAfter" });
    await Bun.sleep(300); // a fixed wait: the endpoint must NOT be disabled within it
    expect((await endpointRow(a))!.enabled).toBe(true);
    receiver.respond(() => new Response("ok"));
    await waitFor(async () => (await dbOf(a.store).selectFrom("deliveries").select("status").execute()).every((d) => d.status === "succeeded"), { timeoutMs: 15_000, what: "all delivered after the outage" });
    const row = (await endpointRow(a))!;
    expect(row.enabled).toBe(true);
    expect(row.consecutiveFailures).toBe(0);
    expect(row.failingSince).toBeNull();
  });

  test('with autoDisableWindow "0s" the endpoint is disabled at autoDisableAfter failures, as before', async () => {
    receiver.respond(() => new Response("down", { status: 503 }));
    const a = await start({ autoDisableAfter: 3 }, { autoDisableWindow: "0s", schedule: ["50ms", "50ms", "50ms", "50ms"] });
    await a.post(events(2));
    await waitFor(async () => (await endpointRow(a))!.enabled === false, { timeoutMs: 6_000, what: "auto-disable" });
    expect((await endpointRow(a))!.disabledReason).toMatch(/after \d+ consecutive failed attempts/);
  });

  test("a per-endpoint window disables only once the streak's first failure is that old", async () => {
    receiver.respond(() => new Response("down", { status: 503 }));
    const a = await start({ autoDisableAfter: 3, autoDisableWindow: "2s" }, { circuitBreakerAfter: 0, schedule: Array(40).fill("100ms") });
    const started = Date.now();
    await a.post(events(5));
    await waitFor(async () => (await endpointRow(a))!.consecutiveFailures >= 10, { timeoutMs: 5_000, what: "a long streak" });
    expect((await endpointRow(a))!.enabled).toBe(true);
    // Ten failures at 100 ms take about 1 s; 3 s leaves room for a loaded machine (the window is checked at a
    // failure, so a streak seen a little past 2 s can still be enabled; the disable after the window is checked below).
    expect(Date.now() - started).toBeLessThan(3_000);
    await waitFor(async () => (await endpointRow(a))!.enabled === false, { timeoutMs: 8_000, what: "auto-disable after the window" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect((await endpointRow(a))!.disabledReason).toMatch(/consecutive failed attempts over \d+(\.\d+)? s/);
  });
});

describe("a request hookgate cannot build is not the receiver's failure", () => {
  test("an endpoint whose header function throws is never disabled; its deliveries fail for good with the reason", async () => {
    const headers = { "X-Boom": () => { throw new Error("no tenant for this event"); } };
    const a = await start({ autoDisableAfter: 2, headers }, { autoDisableWindow: "0s", schedule: ["50ms", "50ms"] });
    await a.post(events(6));
    await waitFor(async () => (await dbOf(a.store).selectFrom("deliveries").select("status").execute()).every((d) => d.status === "failed"), { timeoutMs: 5_000, what: "all failed" });
    const rows = await dbOf(a.store).selectFrom("attempts").selectAll().execute();
    expect(rows).toHaveLength(6); // no retries: retrying cannot fix it
    expect(rows.every((r) => r.error?.includes("could not build the request") && r.error.includes("no tenant for this event"))).toBe(true);
    const row = (await endpointRow(a))!;
    expect(row.enabled).toBe(true);
    expect(row.consecutiveFailures).toBe(0);
    expect(receiver.requests).toHaveLength(0);
    const errors = logs.map((l) => JSON.parse(l)).filter((l) => l.level === "error" && l.endpoint === "crm");
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0].error).toContain("no tenant for this event");
  });
});
