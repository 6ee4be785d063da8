import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { adminClient } from "../http/support.ts";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";

// A server, receivers and retries on a shared 2-core machine.
setDefaultTimeout(30_000);

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/**
 * Operational events that no endpoint would get are not stored (DESIGN 11). Tenant a's failing endpoint subscribes
 * to its own delivery.exhausted (never sent to it), tenant b listens to every hookgate.* (never sent a's), and the
 * global endpoint takes jobs only: nobody gets a's reports, until tenant a subscribes.
 */
describe("operational events with no subscriber", () => {
  let receiver: Receiver;
  let app: TestApp;
  const bodiesTo = (id: string) => receiver.requests.filter((r) => r.path === `/hooks/${id}`).map((r) => JSON.parse(r.body) as { id: string; type: string; data: Record<string, unknown> });
  const stored = async () => dbOf(app.store).selectFrom("events").select(["id", "type", "tenant"]).where("type", "like", "hookgate.%").orderBy("id").execute();
  const failed = async (eventType: string) => dbOf(app.store).selectFrom("deliveries").innerJoin("events", "events.id", "deliveries.event_id")
    .select("deliveries.id").where("deliveries.endpoint_id", "=", "a-bad").where("deliveries.status", "=", "failed").where("events.type", "=", eventType).execute();

  beforeAll(async () => {
    receiver = startReceiver((req) => (req.path.endsWith("/a-bad") ? new Response("down", { status: 503 }) : new Response("ok")));
    app = await startTestApp(baseConfig({
      endpoints: [
        { id: "a-bad", tenant: "a", events: ["job.*", "hookgate.delivery.exhausted"] },
        { id: "b-ops", tenant: "b", events: ["hookgate.*"] },
        { id: "g-jobs", events: ["job.*"] },
      ].map((e) => ({ url: `${receiver.url}/${e.id}`, secret: SECRET, ...e })) as never,
      delivery: { jitter: 0, schedule: ["50ms"], circuitBreakerAfter: 0, autoDisableAfter: 0 } as never,
    }));
  });
  afterAll(async () => { await app?.close(); receiver?.stop(); });

  test("a delivery that runs out with no one to tell stores no event; once tenant a subscribes, the next one is stored and delivered", async () => {
    expect((await app.post({ type: "job.first", tenant: "a", data: {} })).status).toBe(202);
    await waitFor(async () => (await failed("job.first")).length === 1, { timeoutMs: 10_000, what: "the first delivery to fail for good" });

    const api = adminClient(app.url);
    const created = await api("POST", "/endpoints", { url: `${receiver.url}/a-ops`, events: ["hookgate.delivery.exhausted"], tenant: "a", verify: false });
    expect(created.status).toBe(201);
    expect((await app.post({ type: "job.second", tenant: "a", data: {} })).status).toBe(202);
    await waitFor(() => bodiesTo("a-ops").length === 1, { timeoutMs: 10_000, what: "the second report delivered to tenant a's subscriber" });

    // The first report would have been stored before the second: only the second is in the store.
    const events = await stored();
    expect(events.map((e) => [e.type, e.tenant])).toEqual([["hookgate.delivery.exhausted", "a"]]);
    const report = bodiesTo("a-ops")[0]!;
    expect(report.id).toBe(events[0]!.id);
    expect(report.data.eventType).toBe("job.second");
    expect(bodiesTo("b-ops")).toEqual([]);
    expect(bodiesTo("a-bad").filter((b) => b.type.startsWith("hookgate."))).toEqual([]);
    const deliveries = await dbOf(app.store).selectFrom("deliveries").select("endpoint_id").where("event_id", "=", events[0]!.id).execute();
    expect(deliveries.map((d) => d.endpoint_id)).toEqual([created.body.id]);
  });
});
