import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { verifyBuildWorkPro, verifyCePro } from "../support/verifiers.ts";
import type { EndpointConfig } from "../../src/config/schema.ts";
import { dbOf } from "../support/store-db.ts";
import { TenantScope } from "../../src/core/scope.ts";

/** The system's own view of the store: every tenant. */
const ALL = TenantScope.everyTenant();

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
type EndpointInput = Partial<EndpointConfig> & { id: string; url: string };

let receiver: Receiver;
let app: TestApp | null = null;

beforeAll(() => { receiver = startReceiver(); });
afterAll(() => receiver.stop());
afterEach(async () => { await app?.close(); app = null; receiver.requests.length = 0; receiver.respond(() => new Response("ok")); });

async function start(endpoints: EndpointInput[], delivery: Record<string, unknown> = {}) {
  app = await startTestApp(baseConfig({
    endpoints: endpoints.map((e) => ({ events: ["*"], secret: SECRET, ...e })) as never,
    delivery: { schedule: ["100ms", "100ms", "100ms"], jitter: 0, ...delivery } as never,
  }));
  return app;
}

const deliveries = (a: TestApp) => dbOf(a.store).selectFrom("deliveries").selectAll().orderBy("id").execute();
const attempts = (a: TestApp) => dbOf(a.store).selectFrom("attempts").selectAll().orderBy("started_at").orderBy("number").execute();

describe("delivery", () => {
  test("a new event is delivered at once, signed with the standard scheme", async () => {
    const a = await start([{ id: "crm", url: receiver.url }]);
    const response = await a.post({ type: "job.completed", data: { jobId: "j-1", n: 1.5, s: "ü" } });
    expect(response.status).toBe(202);
    const { id, deliveries: count } = await response.json() as { id: string; deliveries: number };
    expect(count).toBe(1);
    await waitFor(() => receiver.requests.length === 1, { timeoutMs: 3_000, what: "the delivery" });
    const req = receiver.requests[0]!;
    expect(req.headers["webhook-id"]).toBe(id);
    expect(req.headers["webhook-attempt"]).toBe("1");
    expect(req.headers["webhook-event"]).toBe("job.completed");
    expect(req.headers["user-agent"]).toMatch(/^hookgate\//);
    expect(req.headers["content-type"]).toBe("application/json");
    const payload = new Webhook(SECRET).verify(req.body, req.headers) as Record<string, unknown>;
    expect(payload).toMatchObject({ id, type: "job.completed", data: { jobId: "j-1", n: 1.5, s: "ü" } });
    expect(new Date(payload.timestamp as string).toISOString()).toBe(payload.timestamp as string);
    await waitFor(async () => (await deliveries(a))[0]?.status === "succeeded", { timeoutMs: 3_000, what: "succeeded" });
    const [att] = await attempts(a);
    expect(att).toMatchObject({ number: 1, trigger: "scheduled", status_code: 200, response_body: "ok", url: receiver.url, error: null });
    expect(JSON.parse(att!.request_headers)["webhook-signature"]).toStartWith("v1,");
    expect(JSON.parse(att!.response_headers)["content-length"]).toBe("2");
  });

  test("a 500 is retried with the same webhook-id and webhook-attempt: 2", async () => {
    receiver.respond((_r, n) => new Response("boom", { status: n === 1 ? 500 : 200 }));
    const a = await start([{ id: "crm", url: receiver.url }]);
    await a.post({ type: "job.completed", data: {} });
    await waitFor(() => receiver.requests.length === 2, { timeoutMs: 5_000, what: "the retry" });
    const [first, second] = receiver.requests;
    expect(second!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]!);
    expect(second!.headers["webhook-attempt"]).toBe("2");
    expect(new Webhook(SECRET).verify(second!.body, second!.headers)).toBeTruthy();
    await waitFor(async () => (await deliveries(a))[0]?.status === "succeeded", { timeoutMs: 3_000, what: "succeeded" });
    const rows = await attempts(a);
    expect(rows.map((r) => [r.number, r.status_code])).toEqual([[1, 500], [2, 200]]);
    expect(rows[0]!.error).toBe("HTTP 500");
    expect(rows[0]!.response_body).toBe("boom");
  });

  test.each([
    [301, "retrying"], [302, "retrying"], [408, "retrying"], [425, "retrying"], [429, "retrying"], [500, "retrying"], [503, "retrying"],
    [400, "failed"], [401, "failed"], [404, "failed"], [422, "failed"], [410, "failed"],
  ])("status %p leaves the delivery %s after one attempt", async (status, expected) => {
    receiver.respond(() => new Response("no", { status, headers: status >= 300 && status < 400 ? { location: "http://127.0.0.1:1/elsewhere" } : {} }));
    const a = await start([{ id: "crm", url: receiver.url }], { schedule: ["1h"] });
    await a.post({ type: "job.completed", data: {} });
    await waitFor(async () => (await deliveries(a))[0]?.attempts === 1, { timeoutMs: 3_000, what: "the first attempt" });
    const [d] = await deliveries(a);
    expect(d!.status as string).toBe(expected);
    expect(receiver.requests).toHaveLength(1); // redirects are never followed
    const endpoint = await a.store.admin.endpoint("crm", ALL);
    if (status === 410) {
      expect(endpoint!.enabled).toBe(false);
      expect(endpoint!.disabledReason).toContain("410");
    } else {
      expect(endpoint!.enabled).toBe(true);
    }
  });

  test("a network error and a timeout are retried, then the delivery fails when the schedule runs out", async () => {
    receiver.respond(async () => { await Bun.sleep(1_000); return new Response("late"); });
    const a = await start([{ id: "slow", url: receiver.url, timeoutMs: 200 }, { id: "closed", url: "http://127.0.0.1:1/hooks" }], { schedule: ["50ms"] });
    await a.post({ type: "job.completed", data: {} });
    await waitFor(async () => (await deliveries(a)).every((d) => d.status === "failed"), { timeoutMs: 6_000, what: "both failed" });
    const rows = await attempts(a);
    const slow = rows.filter((r) => r.endpoint_id === "slow");
    const closed = rows.filter((r) => r.endpoint_id === "closed");
    expect(slow.map((r) => r.number)).toEqual([1, 2]);
    expect(slow[0]!.error).toContain("timeout");
    expect(slow[0]!.status_code).toBeNull();
    expect(closed).toHaveLength(2);
    expect(closed[0]!.error).toBeTruthy();
  });

  test("Retry-After moves the next attempt later", async () => {
    receiver.respond(() => new Response("slow down", { status: 429, headers: { "retry-after": "120" } }));
    const a = await start([{ id: "crm", url: receiver.url }], { schedule: ["1s"] });
    const before = Date.now();
    await a.post({ type: "job.completed", data: {} });
    await waitFor(async () => (await deliveries(a))[0]?.attempts === 1, { timeoutMs: 3_000, what: "the first attempt" });
    const [d] = await deliveries(a);
    expect(d!.status).toBe("retrying");
    expect(d!.next_attempt_at!).toBeGreaterThanOrEqual(before + 120_000);
    expect(d!.next_attempt_at!).toBeLessThan(before + 125_000);
  });

  test("auto-disable after N consecutive failures (window 0s); deliveries wait, then resume on enable", async () => {
    receiver.respond(() => new Response("down", { status: 503 }));
    const a = await start([{ id: "crm", url: receiver.url, autoDisableAfter: 3 }], { autoDisableWindow: "0s", schedule: ["50ms", "50ms", "50ms", "50ms", "50ms"] });
    await a.post([{ type: "a.one", data: 1 }, { type: "a.two", data: 2 }]);
    await waitFor(async () => (await a.store.admin.endpoint("crm", ALL))!.enabled === false, { timeoutMs: 6_000, what: "auto-disable" });
    const endpoint = (await a.store.admin.endpoint("crm", ALL))!;
    // Two deliveries fail side by side, so the count may pass 3 within one batch of records.
    expect(Number(/after (\d+) consecutive/.exec(endpoint.disabledReason ?? "")?.[1])).toBeGreaterThanOrEqual(3);
    const seen = receiver.requests.length;
    // While disabled, new and waiting deliveries are not attempted.
    await a.post({ type: "a.three", data: 3 });
    await Bun.sleep(1_300);
    expect(receiver.requests.length).toBe(seen);
    receiver.respond(() => new Response("ok"));
    await a.store.setEndpointEnabled("crm", true, null);
    await a.registry.refresh();
    await a.dispatcher.claim(a.registry.get("crm")!);
    await waitFor(async () => (await deliveries(a)).every((d) => d.status === "succeeded"), { timeoutMs: 6_000, what: "all succeeded after enable" });
    const types = new Set(receiver.requests.filter((r) => r.headers["webhook-attempt"] !== undefined).map((r) => JSON.parse(r.body).type));
    expect(types).toEqual(new Set(["a.one", "a.two", "a.three"]));
  });

  test("an endpoint disabled in the config gets deliveries that wait", async () => {
    const a = await start([{ id: "off", url: receiver.url, enabled: false }]);
    const response = await a.post({ type: "job.completed", data: {} });
    expect((await response.json() as { deliveries: number }).deliveries).toBe(1);
    await Bun.sleep(1_200);
    expect(receiver.requests).toHaveLength(0);
    expect((await deliveries(a))[0]).toMatchObject({ status: "pending", attempts: 0 });
  });

  test("stripe and hex schemes verify with the reference verifiers; header renaming and header functions", async () => {
    const a = await start([
      { id: "bwp", url: `${receiver.url}?bwp`, events: ["bid.*"], secret: "bwp-secret-1234", signing: { scheme: "stripe", header: "BuildWorkPro-Signature" } },
      {
        id: "cepro", url: `${receiver.url}?cepro`, events: ["bid.accepted"], secret: "cepro-secret-1234", signing: { scheme: "hex", header: "X-CEPro-Signature" },
        headers: { "X-CEPro-Event": ({ event }: { event: { type: string } }) => event.type, "X-CEPro-Delivery": ({ deliveryId }: { deliveryId: string }) => deliveryId, "X-Static": "yes" } as never,
        transform: ((e: { id: string; type: string; timestamp: string; data: unknown }) => ({ event: e.type, timestamp: e.timestamp, webhook_id: e.id, data: e.data })) as never,
      },
    ]);
    const response = await a.post({ type: "bid.accepted", data: { id: 17 } });
    const { id } = await response.json() as { id: string };
    await waitFor(() => receiver.requests.length === 2, { timeoutMs: 3_000, what: "two deliveries" });
    const bwp = receiver.requests.find((r) => r.headers["buildworkpro-signature"])!;
    const cepro = receiver.requests.find((r) => r.headers["x-cepro-signature"])!;
    expect(bwp.headers["webhook-signature"]).toBeUndefined();
    expect(verifyBuildWorkPro(bwp.headers["buildworkpro-signature"]!, bwp.body, "bwp-secret-1234")).toBe(true);
    expect(verifyCePro(cepro.body, cepro.headers["x-cepro-signature"]!, "cepro-secret-1234")).toBe(true);
    expect(cepro.headers["x-cepro-event"]).toBe("bid.accepted");
    expect(cepro.headers["x-cepro-delivery"]).toMatch(/^dlv_/);
    expect(cepro.headers["x-static"]).toBe("yes");
    expect(JSON.parse(cepro.body)).toEqual({ event: "bid.accepted", timestamp: expect.any(String), webhook_id: id, data: { id: 17 } });
  });

  test("basic and bearer receiver auth; credentials redacted in the attempt log", async () => {
    const a = await start([
      { id: "basic", url: `${receiver.url}?basic`, signing: { scheme: "none" }, secret: undefined, auth: { type: "basic", username: "fs", password: "pa55" } },
      { id: "bearer", url: `${receiver.url}?bearer`, auth: { type: "bearer", token: "tok-123" } },
    ]);
    await a.post({ type: "job.created", data: {} });
    await waitFor(() => receiver.requests.length === 2, { timeoutMs: 3_000, what: "two deliveries" });
    const auths = receiver.requests.map((r) => r.headers.authorization).sort();
    expect(auths).toEqual([`Basic ${btoa("fs:pa55")}`, "Bearer tok-123"]);
    const basic = receiver.requests.find((r) => r.headers.authorization?.startsWith("Basic"))!;
    expect(basic.headers["webhook-signature"]).toBeUndefined();
    await waitFor(async () => (await attempts(a)).length === 2, { timeoutMs: 3_000, what: "attempts recorded" });
    for (const row of await attempts(a)) {
      expect(row.request_headers).not.toContain("pa55");
      expect(row.request_headers).not.toContain("tok-123");
      expect(JSON.parse(row.request_headers).authorization).toContain("[redacted]");
    }
  });

  test("fan-out goes to every subscribed endpoint and only those", async () => {
    const a = await start([
      { id: "all", url: `${receiver.url}?all`, events: ["*"] },
      { id: "jobs", url: `${receiver.url}?jobs`, events: ["job.*"] },
      { id: "paid", url: `${receiver.url}?paid`, events: ["invoice.paid"] },
    ]);
    const r1 = await (await a.post({ type: "job.completed", data: {} })).json() as { deliveries: number };
    const r2 = await (await a.post({ type: "invoice.paid", data: {} })).json() as { deliveries: number };
    const r3 = await (await a.post({ type: "invoice.sent", data: {} })).json() as { deliveries: number };
    expect([r1.deliveries, r2.deliveries, r3.deliveries]).toEqual([2, 2, 1]);
    await waitFor(() => receiver.requests.length === 5, { timeoutMs: 3_000, what: "five deliveries" });
  });
});
