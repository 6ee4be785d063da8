import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { adminClient } from "../http/support.ts";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";
import { TenantScope } from "../../src/core/scope.ts";

/** The system's own view of the store: every tenant. */
const ALL = TenantScope.everyTenant();

// Servers, receivers, retries and a poll source on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(60_000);

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/**
 * One gateway, every kind of subscriber: tenant a's endpoints (one failing until disabled, one failing every
 * delivery, one failing only on operational events, one listening), tenant b's listener, and global ones.
 */
const endpoints = [
  { id: "a-bad", tenant: "a", events: ["job.*", "hookgate.*"], autoDisableAfter: 2 },
  { id: "a-flaky", tenant: "a", events: ["job.*", "hookgate.*"], autoDisableAfter: 1000 },
  { id: "a-gone", tenant: "a", events: ["job.*"] },
  { id: "a-opsdead", tenant: "a", events: ["hookgate.endpoint.disabled"], autoDisableAfter: 2 },
  { id: "a-ops", tenant: "a", events: ["hookgate.*"] },
  { id: "b-ops", tenant: "b", events: ["hookgate.*"] },
  { id: "g-all", events: ["*"] },
  { id: "g-ops", events: ["hookgate.endpoint.disabled", "hookgate.source.error"] },
];
const FAILING = new Set(["a-bad", "a-flaky", "a-opsdead", "feed"]);

interface Body { id: string; type: string; tenant?: string; data: Record<string, unknown> }
const STORES = [{ name: "sqlite", skip: false }, { name: "postgres", skip: skipPg }];

for (const kind of STORES) {
  describe.skipIf(kind.skip)(`operational events (${kind.name})`, () => {
    let receiver: Receiver;
    let app: TestApp;
    let db: TestDatabase | null = null;
    let api: ReturnType<typeof adminClient>;
    let apiEndpoint = "";

    /** The bodies an endpoint received, by the path its URL ends with. */
    const receivedBy = (id: string): Body[] => receiver.requests.filter((r) => r.path === `/hooks/${id}`).map((r) => JSON.parse(r.body));
    const ops = (id: string) => receivedBy(id).filter((b) => b.type.startsWith("hookgate."));
    const stored = async () => (await dbOf(app.store).selectFrom("events").selectAll().where("type", "like", "hookgate.%").orderBy("id").execute())
      .map((e) => ({ type: e.type, tenant: e.tenant, source: e.source, data: JSON.parse(e.data) as Record<string, unknown> }));

    beforeAll(async () => {
      receiver = startReceiver((req) => {
        const id = req.path.split("/").pop()!;
        if (id === "a-gone") return new Response("gone", { status: 410 });
        return FAILING.has(id) ? new Response("down", { status: 503 }) : new Response("ok");
      });
      db = kind.name === "postgres" ? await createDatabase() : null;
      const base = receiver.url.replace("/hooks", "");
      app = await startTestApp(baseConfig({
        ...(db && { store: { postgres: db.url } }),
        sources: [
          ...baseConfig().sources!,
          { type: "poll", id: "feed", schedule: "* * * * * *", url: `${base}/hooks/feed` },
        ] as never,
        endpoints: endpoints.map((e) => ({ url: `${receiver.url}/${e.id}?token=hidden`, secret: SECRET, ...e })) as never,
        delivery: { jitter: 0, schedule: ["50ms", "50ms"], autoDisableWindow: "0s", circuitBreakerAfter: 0 } as never,
      }));
      api = adminClient(app.url);
    });
    afterAll(async () => { await app?.close(); await db?.drop(); receiver.stop(); });

    test("an endpoint failing until disabled: its tenant's subscriber and the global one hear of it, it does not", async () => {
      expect((await app.post({ type: "job.done", tenant: "a", data: { n: 1 } })).status).toBe(202);
      const isBad = (b: Body) => b.type === "hookgate.endpoint.disabled" && b.data.endpointId === "a-bad";
      await waitFor(() => ops("a-ops").some(isBad), { timeoutMs: 15_000, what: "a-ops to hear of the disable" });
      const disabled = ops("a-ops").find(isBad)!;
      expect(disabled.tenant).toBe("a");
      expect(disabled.data).toEqual({
        endpointId: "a-bad", url: `${receiver.url}/a-bad`, reason: expect.stringMatching(/consecutive failed attempts/), disabledAt: expect.any(String),
      });
      expect(Date.parse(disabled.data.disabledAt as string)).toBeGreaterThan(Date.now() - 60_000);
      await waitFor(() => ops("g-ops").some((b) => b.id === disabled.id), { timeoutMs: 10_000, what: "the global subscriber" });
      expect((await app.store.admin.endpoint("a-bad", ALL))!.enabled).toBe(false);
      // The endpoint it is about has no delivery of it: not now, and none waiting for when it is enabled again.
      const toBad = await dbOf(app.store).selectFrom("deliveries").select("endpoint_id").where("event_id", "=", disabled.id).execute();
      expect(toBad.map((d) => d.endpoint_id)).not.toContain("a-bad");
    });

    test("a 410 Gone disables at once and fails the delivery for good: both are said", async () => {
      await waitFor(() => ops("a-ops").filter((b) => b.data.endpointId === "a-gone").length === 2, { timeoutMs: 10_000, what: "the 410's disable" });
      const gone = ops("a-ops").filter((b) => b.data.endpointId === "a-gone").map((b) => [b.type, b.tenant, b.data.reason ?? b.data.lastStatusCode]);
      expect(gone.sort()).toEqual([["hookgate.delivery.exhausted", "a", 410], ["hookgate.endpoint.disabled", "a", "the receiver answered 410 Gone"]]);
    });

    test("retries run out: delivery.exhausted to the tenant's subscriber, not to the endpoint itself", async () => {
      const isFlaky = (b: Body) => b.type === "hookgate.delivery.exhausted" && b.data.endpointId === "a-flaky";
      await waitFor(() => ops("a-ops").some(isFlaky), { timeoutMs: 15_000, what: "delivery.exhausted" });
      const exhausted = ops("a-ops").filter(isFlaky);
      expect(exhausted).toHaveLength(1);
      const [event] = await dbOf(app.store).selectFrom("events").select("id").where("type", "=", "job.done").execute();
      const [delivery] = await dbOf(app.store).selectFrom("deliveries").select("id").where("endpoint_id", "=", "a-flaky").where("event_id", "=", event!.id).execute();
      expect(exhausted[0]!.tenant).toBe("a");
      expect(exhausted[0]!.data).toEqual({ deliveryId: delivery!.id, eventId: event!.id, eventType: "job.done", endpointId: "a-flaky", attempts: 3, lastStatusCode: 503, lastError: "HTTP 503" });
      expect(ops("a-flaky").some((b) => b.data.endpointId === "a-flaky")).toBe(false);
    });

    test("rotate, disable and enable through the API: secret.rotated, endpoint.disabled, endpoint.enabled", async () => {
      const created = await api("POST", "/endpoints", { url: `${receiver.url}/a-api`, events: ["job.*"], tenant: "a", verify: false });
      expect(created.status).toBe(201);
      apiEndpoint = created.body.id;
      const rotated = await api("POST", `/endpoints/${apiEndpoint}/rotate-secret`, { graceSeconds: 3600 });
      expect(rotated.status).toBeLessThan(300);
      expect((await api("PATCH", `/endpoints/${apiEndpoint}`, { enabled: false })).status).toBe(200);
      expect((await api("PATCH", `/endpoints/${apiEndpoint}`, { enabled: true })).status).toBe(200);
      await waitFor(() => ops("a-ops").some((b) => b.type === "hookgate.endpoint.enabled"), { timeoutMs: 10_000, what: "endpoint.enabled" });
      // In the order they happened (ids sort by creation): a subscriber without `ordering` may receive them in any
      // order (a run beside a CPU hog had enabled arrive before disabled).
      const about = ops("a-ops").filter((b) => b.data.endpointId === apiEndpoint).sort((x, y) => (x.id < y.id ? -1 : 1));
      expect(about.map((b) => b.type)).toEqual(["hookgate.secret.rotated", "hookgate.endpoint.disabled", "hookgate.endpoint.enabled"]);
      expect(about.every((b) => b.tenant === "a")).toBe(true);
      const [rotation, disable, enable] = about.map((b) => b.data);
      expect(rotation).toEqual({ endpointId: apiEndpoint, rotatedAt: expect.any(String), previousSecretExpiresAt: expect.any(String) });
      expect(Date.parse(rotation!.previousSecretExpiresAt as string) - Date.parse(rotation!.rotatedAt as string)).toBeWithin(3_599_000, 3_601_000);
      expect(JSON.stringify(rotation)).not.toContain("whsec_");
      expect(disable).toEqual({ endpointId: apiEndpoint, url: `${receiver.url}/a-api`, reason: "disabled by an admin", disabledAt: expect.any(String) });
      expect(enable).toEqual({ endpointId: apiEndpoint, url: `${receiver.url}/a-api`, enabledAt: expect.any(String) });
    });

    test("a failing poll source: one source.error, global, to the global subscriber", async () => {
      await waitFor(() => ops("g-ops").some((b) => b.type === "hookgate.source.error"), { timeoutMs: 15_000, what: "source.error" });
      await Bun.sleep(2_500); // the poll keeps failing: still one event, not one per failed run
      const errors = ops("g-ops").filter((b) => b.type === "hookgate.source.error");
      expect(errors).toHaveLength(1);
      expect(errors[0]!.tenant).toBeUndefined();
      expect(errors[0]!.data).toEqual({ source: "feed", status: "error", error: expect.stringContaining("503") });
      expect(ops("a-ops").some((b) => b.type === "hookgate.source.error")).toBe(false);
    });

    test("loop rules: `*` gets none, tenant b none of a's, failed deliveries of operational events cause none", async () => {
      // Let a-flaky exhaust its operational deliveries and a-opsdead be disabled by failing its own.
      await waitFor(async () => (await app.store.admin.endpoint("a-opsdead", ALL))!.enabled === false, { timeoutMs: 15_000, what: "a-opsdead disabled" });
      await waitFor(async () => (await dbOf(app.store).selectFrom("deliveries").select("id").where("endpoint_id", "=", "a-flaky")
        .where("status", "in", ["pending", "retrying"]).execute()).length === 0, { timeoutMs: 15_000, what: "a-flaky's deliveries to end" });
      await Bun.sleep(300);
      expect(receivedBy("g-all").map((b) => b.type)).toEqual(["job.done"]);
      expect(ops("b-ops")).toEqual([]);
      expect(ops("a-flaky").length).toBeGreaterThan(0); // it was sent operational events, and failed them all
      const events = await stored();
      expect(events.every((e) => e.source === "hookgate")).toBe(true);
      // Exactly what happened: no delivery.exhausted for the failed deliveries of operational events.
      const failedOps = await dbOf(app.store).selectFrom("deliveries").innerJoin("events", "events.id", "deliveries.event_id")
        .select("deliveries.id").where("deliveries.status", "=", "failed").where("events.type", "like", "hookgate.%").execute();
      expect(failedOps.length).toBeGreaterThanOrEqual(4);
      // The source's failure and the rest happen concurrently: compare in a fixed order.
      expect(events.map((e) => [e.type, e.tenant, e.data.endpointId ?? e.data.source]).sort()).toEqual([
        ["hookgate.source.error", null, "feed"],
        ["hookgate.endpoint.disabled", "a", "a-bad"],
        ["hookgate.endpoint.disabled", "a", "a-gone"],
        ["hookgate.endpoint.disabled", "a", "a-opsdead"], // its own disable is said once, whatever it was delivering
        ["hookgate.delivery.exhausted", "a", "a-gone"],
        ["hookgate.delivery.exhausted", "a", "a-flaky"],
        ["hookgate.secret.rotated", "a", apiEndpoint],
        ["hookgate.endpoint.disabled", "a", apiEndpoint],
        ["hookgate.endpoint.enabled", "a", apiEndpoint],
      ].sort());
    });

    test("no payload carries a secret or a URL's query", async () => {
      const text = JSON.stringify(await stored());
      expect(text).not.toContain("whsec_");
      expect(text).not.toContain("token=hidden");
    });
  });
}
