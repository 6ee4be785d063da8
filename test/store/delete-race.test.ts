import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import pg from "pg";
import { toEventRow } from "../../src/core/events.ts";
import { newId } from "../../src/core/ids.ts";
import { TenantScope } from "../../src/core/scope.ts";
import { openStore } from "../../src/store/open.ts";
import type { Store } from "../../src/store/types.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { storedEndpoint } from "../support/store-db.ts";

// Postgres finds a deadlock after deadlock_timeout (1 s by default).
setDefaultTimeout(30_000);

/**
 * Deleting an endpoint on one process while another records an attempt of its delivery: the attempt's transaction
 * holds the delivery and then updates the endpoint's failure streak; the delete holds the endpoint and then
 * cascades to the delivery. Postgres aborts one of the two (40P01). Seen in the cluster suite as a DELETE answered
 * 500; the delete is one whole transaction, so it runs again and succeeds.
 */
describe.skipIf(skipPg)("deleting an endpoint while another process records its attempt (Postgres)", () => {
  let db: TestDatabase;
  let store: Store;
  let other: pg.Client;
  beforeAll(async () => {
    db = await createDatabase();
    store = openStore({ postgres: db.url, retention: "30d", synchronous: "full" });
    await store.migrate();
    other = new pg.Client({ connectionString: db.url });
    await other.connect();
  });
  afterAll(async () => {
    await other.end();
    await store.close();
    await db.drop();
  });

  test("the delete runs again after a deadlock and answers that it deleted", async () => {
    await store.reconcileConfigEndpoints([storedEndpoint("ep", { managedBy: "api" })]);
    const now = Date.now();
    const deliveryId = newId("dlv");
    await store.ingest([{ event: toEventRow(newId("evt", now), "app", { type: "x.y", data: {} }, now), deliveries: [{ id: deliveryId, endpoint_id: "ep", next_attempt_at: now }] }]);

    // The other process: holds the delivery, then (once the delete waits on it) reaches for the endpoint's row.
    await other.query("BEGIN");
    await other.query("UPDATE deliveries SET attempts = attempts + 1 WHERE id = $1", [deliveryId]);
    const deleted = store.admin.deleteEndpoint("ep", TenantScope.everyTenant());
    await Bun.sleep(200); // the delete has locked the endpoint and waits on the delivery
    const streak = other.query("UPDATE endpoints SET consecutive_failures = consecutive_failures + 1 WHERE id = 'ep'")
      .then(() => other.query("COMMIT"), async (e) => { await other.query("ROLLBACK"); throw e; });
    const [attempt, deletion] = await Promise.allSettled([streak, deleted]);

    expect(deletion).toEqual({ status: "fulfilled", value: true });
    // Whichever Postgres aborted, the endpoint and its delivery are gone at the end.
    expect(attempt.status === "fulfilled" || (attempt.reason as { code?: string }).code === "40P01").toBe(true);
    expect((await other.query("SELECT count(*)::int AS n FROM deliveries WHERE id = $1", [deliveryId])).rows[0].n).toBe(0);
    expect((await other.query("SELECT count(*)::int AS n FROM endpoints WHERE id = 'ep'")).rows[0].n).toBe(0);
  });
});
