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

  beforeAll(async () => {
    db = await createDatabase();
    receiver = startReceiver((_r, n) => new Response("ok", { status: n % 7 === 0 ? 503 : 200 }));
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
    const delivered = () => new Set(receiver.requests.filter((r, n) => (n + 1) % 7 !== 0).map((r) => r.headers["webhook-id"]));
    await waitFor(() => ids.every((id) => delivered().has(id)), { timeoutMs: 20_000, what: "all 400 events delivered" });
    await waitFor(async () => {
      const open = await dbOf(apps[0]!.store).selectFrom("deliveries").select("id").where("status", "!=", "succeeded").execute();
      return open.length === 0;
    }, { timeoutMs: 10_000, what: "every delivery succeeded" });
  });
});
