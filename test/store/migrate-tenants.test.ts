import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { Migrator } from "kysely/migration";
import { migrationProvider } from "../../src/store/migrations/index.ts";
import { openStore } from "../../src/store/open.ts";
import { baseConfig, startTestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";

setDefaultTimeout(30_000);

const dir = mkdtempSync(join(tmpdir(), "hookgate-migrate-"));
const receiver = startReceiver();
afterAll(() => { receiver.stop(); rmSync(dir, { recursive: true, force: true }); });

test("a store from before tenants (003) keeps its rows as global ones, and they still deliver", async () => {
  const now = Date.now();
  const old = openStore({ sqlite: join(dir, "hookgate.db"), retention: "30d", synchronous: "full" });
  const db = dbOf(old) as unknown as Kysely<any>;
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo("003-delivery-health");
  expect(error).toBeUndefined();
  await db.insertInto("endpoints").values({
    id: "crm", url: receiver.url, description: "", events: '["*"]', enabled: 1, managed_by: "config", headers: "{}", auth: null,
    signing_scheme: "standard", signing_header: null, secret: null, options: "{}", created_at: now, updated_at: now,
  }).execute();
  await db.insertInto("events").values({
    id: "evt_old", source: "app", type: "job.completed", timestamp: new Date(now).toISOString(), data: '{"jobId":"j-1"}',
    dedupe_key: "evt_old", idempotency_key: null, received_at: now,
  }).execute();
  await db.insertInto("deliveries").values({
    id: "dlv_old", event_id: "evt_old", endpoint_id: "crm", status: "pending", attempts: 0, next_attempt_at: now, created_at: now, updated_at: now,
  }).execute();
  await old.close();

  // The gateway migrates to the latest on start; the config's endpoint is the row's.
  const app = await startTestApp(baseConfig({
    endpoints: [{ id: "crm", url: receiver.url, events: ["*"], secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }],
  }), { dir });
  try {
    await waitFor(() => receiver.requests.length === 1, { timeoutMs: 5_000, what: "the old delivery" });
    const req = receiver.requests[0]!;
    expect(req.headers["webhook-id"]).toBe("evt_old");
    expect(JSON.parse(req.body)).toEqual({ id: "evt_old", type: "job.completed", timestamp: new Date(now).toISOString(), data: { jobId: "j-1" } });
    const current = dbOf(app.store);
    expect((await current.selectFrom("events").select("tenant").executeTakeFirstOrThrow()).tenant).toBeNull();
    expect((await current.selectFrom("endpoints").select("tenant").executeTakeFirstOrThrow()).tenant).toBeNull();
    expect((await current.selectFrom("deliveries").select("tenant").executeTakeFirstOrThrow()).tenant).toBeNull();
    expect(await current.selectFrom("tenants").selectAll().execute()).toEqual([]);
    // A new event of a tenant reaches the global endpoint.
    expect((await app.post({ type: "job.completed", data: {}, tenant: "acme" })).status).toBe(202);
    await waitFor(() => receiver.requests.length === 2, { timeoutMs: 5_000, what: "the new delivery" });
    expect(JSON.parse(receiver.requests[1]!.body).tenant).toBe("acme");
  } finally {
    await app.close();
  }
});
