import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { sql } from "kysely";
import { newId } from "../../../src/core/ids.ts";
import { Recorder } from "../../../src/core/delivery/recorder.ts";
import type { AttemptOutcome, IngestItem, Store } from "../../../src/store/types.ts";
import { waitFor } from "../../support/wait.ts";
import { dbOf } from "../../support/store-db.ts";
import { STORES } from "../../support/stores.ts";
import { TenantScope } from "../../../src/core/scope.ts";

/** The system's own view of the store: every tenant. */
const ALL = TenantScope.everyTenant();

setDefaultTimeout(30_000);

function item(endpointId: string): IngestItem {
  const now = Date.now();
  const id = newId("evt", now);
  return {
    event: { id, source: "app", type: "t", timestamp: new Date(now).toISOString(), data: "{}", dedupe_key: id, idempotency_key: null, received_at: now, tenant: null, ordering_key: null },
    deliveries: [{ id: newId("dlv"), endpoint_id: endpointId, next_attempt_at: now + 60_000 }],
  };
}

function succeeded(deliveryId: string, endpointId: string): AttemptOutcome {
  const at = Date.now();
  return {
    attempt: { id: newId("att"), delivery_id: deliveryId, endpoint_id: endpointId, number: 1, trigger: "scheduled", started_at: at, url: "u", request_headers: "{}",
      request_body: null, status_code: 200, response_headers: "{}", response_body: "", duration_ms: 1, error: null },
    delivery: { id: deliveryId, status: "succeeded", attempts: 1, next_attempt_at: null },
    endpoint: { id: endpointId, success: true, at, statusCode: 200, disableReason: null, autoDisableAfter: 0, autoDisableWindowMs: 0 },
  };
}

for (const kind of STORES) {
  describe.skipIf(kind.skip)(`recorder on ${kind.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await kind.open());
      await store.migrate();
    });
    afterAll(async () => { await store.close(); await cleanup(); });

    test("a batch the store refuses is kept and written once the store takes it, never dropped", async () => {
      const items = Array.from({ length: 5 }, () => item("ep1"));
      await store.ingest(items);
      const failures: number[] = [];
      const recorder = new Recorder(store, { disabled: () => {}, failed: (_e, n) => failures.push(n) }, 1);
      const db = dbOf(store);
      // A real refusal: the table is away while the batch is written.
      await sql`ALTER TABLE attempts RENAME TO attempts_away`.execute(db);
      const outcomes = items.map((i) => succeeded(i.deliveries[0]!.id, "ep1"));
      await Promise.all(outcomes.map((o) => recorder.record(o)));
      expect(failures).toEqual([5]);
      expect(recorder.waiting).toBe(5);
      await sql`ALTER TABLE attempts_away RENAME TO attempts`.execute(db);

      const count = async () => Number((await db.selectFrom("attempts").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
      await waitFor(async () => (await count()) === 5, { timeoutMs: 5_000, what: "the kept batch written" });
      expect(recorder.waiting).toBe(0);
      for (const o of outcomes) expect((await store.admin.delivery(o.delivery.id, ALL))?.status).toBe("succeeded");
      // Written once: a later flush does not write it again.
      await recorder.idle();
      expect(await count()).toBe(5);
    });
  });
}
