import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { createDatabase, skipPg, terminateSource, type TestDatabase } from "../support/pg.ts";
import { dbOf } from "../support/store-db.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);


let db: TestDatabase | null = null;
let app: TestApp | null = null;
let receiver: Receiver | null = null;
afterEach(async () => {
  await app?.close();
  receiver?.stop();
  await db?.drop();
  app = db = receiver = null;
});

const listening = (d: TestDatabase) => waitFor(async () =>
  (await d.client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'hookgate:db' AND query ILIKE 'LISTEN%'")).rows[0].n > 0,
  { timeoutMs: 10_000, what: "hookgate listening" });

describe.skipIf(skipPg)("postgres source, notify mode", () => {
  test("each notification's payload becomes an event through map; bad payloads are skipped and logged", async () => {
    const logs: string[] = [];
    db = await createDatabase();
    receiver = startReceiver();
    app = await startTestApp(baseConfig({
      sources: [{
        type: "postgres", id: "db", url: db.url, channel: "user_changes",
        map: (p: { op: string; user: { id: string }; key?: string }) =>
          p.op === "ignored" ? null : { type: `user.${p.op}`, data: p.user, ...(p.key ? { id: p.key } : {}) },
      }],
      endpoints: [{ id: "r", url: receiver.url, events: ["user.*"], signing: { scheme: "none" } }],
    }), { logs });
    await listening(db);
    const notify = (payload: string) => db!.client.query("SELECT pg_notify('user_changes', $1)", [payload]);
    await notify(JSON.stringify({ op: "created", user: { id: "u1" } }));
    await notify("not json");
    await notify(JSON.stringify({ op: "ignored", user: { id: "u0" } }));
    await notify(JSON.stringify({ op: "nodata" })); // maps to an event without data: invalid, skipped
    await notify(JSON.stringify({ op: "deleted", user: { id: "u1" }, key: "k-1" }));
    await notify(JSON.stringify({ op: "deleted", user: { id: "u1" }, key: "k-1" })); // same key: a duplicate
    await waitFor(() => receiver!.requests.length === 2, { timeoutMs: 5_000, what: "two deliveries" });
    await Bun.sleep(200); // a fixed wait: nothing more may happen within it
    const bodies = receiver.requests.map((r) => JSON.parse(r.body) as { type: string; data: unknown });
    expect(bodies.map((b) => b.type)).toEqual(["user.created", "user.deleted"]);
    expect(bodies[0]!.data).toEqual({ id: "u1" });
    expect(await dbOf(app.store).selectFrom("events").select("id").execute()).toHaveLength(2);
    expect(logs.filter((l) => l.includes("notification skipped")).map((l) => JSON.parse(l).msg)).toEqual([
      "notification skipped: it has a payload that is not JSON, or map threw",
      "notification skipped: it is not a valid event",
    ]);
  }, 30_000);

  test("without map the payload is the event, and it listens again after a lost connection", async () => {
    db = await createDatabase();
    receiver = startReceiver();
    const logs: string[] = [];
    app = await startTestApp(baseConfig({
      sources: [{ type: "postgres", id: "db", url: db.url, channel: "app_events" }],
      endpoints: [{ id: "r", url: receiver.url, events: ["*"], signing: { scheme: "none" } }],
    }), { logs });
    await listening(db);
    expect(await terminateSource(db.client, "db")).toBe(1);
    await waitFor(() => logs.some((l) => l.includes('"reconnected to Postgres"')), { timeoutMs: 10_000, what: "the source reconnected" });
    await listening(db);
    await db.client.query(`SELECT pg_notify('app_events', '{"type":"job.completed","data":{"jobId":"j-9"}}')`);
    await waitFor(() => receiver!.requests.length === 1, { timeoutMs: 5_000, what: "the delivery" });
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ type: "job.completed", data: { jobId: "j-9" } });
  }, 30_000);
});
