import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { createDatabase, skipPg } from "../support/pg.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

describe.skipIf(skipPg)("postgres store: several processes share one queue", () => {
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let receiver: Receiver;
  let apps: TestApp[] = [];
  const delivered = new Set<string>();
  const retried = new Set<number>();

  beforeAll(async () => {
    db = await createDatabase();
    // Every 7th event's first attempt answers 503, its retry 200: each event is delivered in the end. (A 503 for
    // every 7th request could fall on all four attempts of one delivery, which then failed for good: a run beside two
    // CPU hogs timed out waiting for it.)
    receiver = startReceiver((r) => {
      const n = (JSON.parse(r.body) as { data: { n: number } }).data.n;
      if (n % 7 === 0 && r.headers["webhook-attempt"] === "1") return new Response("busy", { status: 503 });
      delivered.add(r.headers["webhook-id"]!);
      if (r.headers["webhook-attempt"] !== "1") retried.add(n);
      return new Response("ok");
    });
    const config = () => baseConfig({
      store: { postgres: db.url },
      delivery: { schedule: ["100ms", "100ms", "100ms"], jitter: 0 } as never,
      endpoints: [{ id: "rx", url: receiver.url, events: ["*"], secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }],
    });
    apps = [await startTestApp(config()), await startTestApp(config())];
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    receiver.stop();
    await db.drop();
  });

  test("events taken by either gateway are all delivered, retries included", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const app = apps[i % 2]!;
      const response = await app.post(Array.from({ length: 10 }, (_, k) => ({ type: "job.completed", data: { n: i * 10 + k } })));
      expect(response.status).toBe(202);
      ids.push(...(await response.json() as { events: { id: string }[] }).events.map((e) => e.id));
    }
    await waitFor(() => ids.every((id) => delivered.has(id)), { timeoutMs: 40_000, what: "all 400 events delivered" });
    // The 58 refused at first were delivered by a retry.
    expect(Array.from({ length: 58 }, (_, k) => k * 7).filter((n) => !retried.has(n))).toEqual([]);
    await waitFor(async () => {
      const open = await dbOf(apps[0]!.store).selectFrom("deliveries").select("id").where("status", "!=", "succeeded").execute();
      return open.length === 0;
    }, { timeoutMs: 10_000, what: "every delivery succeeded" });
  }, 90_000);
});
