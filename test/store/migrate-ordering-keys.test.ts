import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Kysely } from "kysely";
import { Migrator } from "kysely/migration";
import { idFloor, newId } from "../../src/core/ids.ts";
import { migrationProvider } from "../../src/store/migrations/index.ts";
import type { AttemptOutcome } from "../../src/store/types.ts";
import { dbOf } from "../support/store-db.ts";
import { STORES } from "../support/stores.ts";

setDefaultTimeout(30_000);

/**
 * Migration 013 (ordering keys) on a store whose ordered deliveries were written by 012's version: a key under way,
 * its waiting deliveries, and a key left waiting with none under way. Only indexes change, so the rows go on where
 * they were: the head's end lets its next go, and the sweep's repair releases the stale key.
 */
for (const kind of STORES) {
  describe.skipIf(kind.skip)(`migration 013 (ordering keys): ${kind.name}`, () => {
    test("ordered deliveries written before it go on in order after it", async () => {
      const { store, cleanup } = await kind.open();
      try {
        const db = dbOf(store) as unknown as Kysely<any>;
        expect((await new Migrator({ db, provider: migrationProvider }).migrateTo("012-ordering")).error).toBeUndefined();
        const now = Date.now();
        await db.insertInto("endpoints").values({
          id: "ep", url: "https://example.com/hooks", description: "", events: '["*"]', enabled: 1, managed_by: "api", headers: "{}", auth: null,
          signing_scheme: "standard", signing_header: null, secret: null, options: JSON.stringify({ ordering: { maxBlock: "1h" } }), created_at: now, updated_at: now,
        }).execute();
        // Ids carry the time they were made: the stale key's delivery was made an hour ago (newId never goes back in time).
        const ids = { stale: `${idFloor("dlv", now - 3_600_000).slice(0, -1)}1`, head: newId("dlv", now), second: newId("dlv", now), third: newId("dlv", now) };
        const row = (id: string, key: string, heldSince: number | null, createdAt = now) => {
          const eventId = `evt_${id}`;
          return {
            event: { id: eventId, source: "app", type: "t", timestamp: new Date(now).toISOString(), data: "{}", dedupe_key: eventId, idempotency_key: null, received_at: now, ordering_key: key },
            delivery: { id, event_id: eventId, endpoint_id: "ep", status: "pending", attempts: 0, leases: heldSince === null ? 0 : 1, next_attempt_at: heldSince,
              ordering_key: key, held_since: heldSince, created_at: createdAt, updated_at: createdAt },
          };
        };
        const rows = [row(ids.head, "a", now), row(ids.second, "a", null), row(ids.third, "a", null), row(ids.stale, "b", null, now - 3_600_000)];
        await db.insertInto("events").values(rows.map((r) => r.event)).execute();
        await db.insertInto("deliveries").values(rows.map((r) => r.delivery)).execute();

        await store.migrate();

        const due = async () => (await db.selectFrom("deliveries").select("id").where("status", "in", ["pending", "retrying"])
          .where("next_attempt_at", "is not", null).orderBy("id").execute()).map((r) => r.id);
        expect(await due()).toEqual([ids.head]);
        const ended = (id: string): AttemptOutcome => ({
          attempt: {
            id: newId("att"), delivery_id: id, endpoint_id: "ep", number: 1, trigger: "scheduled", started_at: Date.now(), url: "u", request_headers: "{}",
            request_body: null, status_code: 200, response_headers: "{}", response_body: "", duration_ms: 1, error: null,
          },
          delivery: { id, status: "succeeded", attempts: 1, next_attempt_at: null, ordering: { endpointId: "ep", key: "a" } },
          endpoint: null,
        });
        await store.recordAttempts([ended(ids.head)]);
        expect(await due()).toEqual([ids.second]);
        expect(await store.promoteStale(Date.now(), Date.now() - 60_000)).toBe(1);
        expect(await due()).toEqual([ids.second, ids.stale].sort());
        await store.recordAttempts([ended(ids.second)]);
        expect(await due()).toEqual([ids.third, ids.stale].sort());

        // Down to 012 and up again leave the same indexes.
        const migrator = new Migrator({ db, provider: migrationProvider });
        expect((await migrator.migrateTo("012-ordering")).error).toBeUndefined();
        expect((await migrator.migrateToLatest()).error).toBeUndefined();
      } finally {
        await store.close();
        await cleanup();
      }
    });
  });
}
