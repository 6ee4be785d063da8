import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Kysely } from "kysely";
import { Migrator } from "kysely/migration";
import { newId } from "../../src/core/ids.ts";
import { migrationProvider } from "../../src/store/migrations/index.ts";
import { dbOf } from "../support/store-db.ts";
import { STORES } from "../support/stores.ts";

setDefaultTimeout(30_000);

/** Migration 009 on a store written by an older version: its orphans go, the rest stays, and deletes cascade from then on. */
for (const kind of STORES) {
  describe.skipIf(kind.skip)(`migration 009 (cascade): ${kind.name}`, () => {
    test("a store holding orphans loses them and keeps everything else; deletes cascade afterwards", async () => {
      const { store, cleanup } = await kind.open();
      try {
        const db = dbOf(store) as unknown as Kysely<any>;
        const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo("008-source-holder");
        expect(error).toBeUndefined();
        const now = Date.now();
        const endpoint = (id: string) => ({
          id, url: `https://example.com/${id}`, description: "", events: '["*"]', enabled: 1, managed_by: "api", headers: "{}", auth: null,
          signing_scheme: "standard", signing_header: null, secret: null, options: "{}", created_at: now, updated_at: now,
        });
        const event = (id: string) => ({ id, source: "app", type: "t", timestamp: new Date(now).toISOString(), data: "{}", dedupe_key: id, idempotency_key: null, received_at: now });
        const delivery = (id: string, eventId: string, endpointId: string) => ({ id, event_id: eventId, endpoint_id: endpointId, status: "failed", attempts: 1, next_attempt_at: null, created_at: now, updated_at: now });
        const attempt = (deliveryId: string) => ({
          id: newId("att"), delivery_id: deliveryId, endpoint_id: "ep", number: 1, trigger: "scheduled", started_at: now, url: "u", request_headers: "{}",
          status_code: 500, response_headers: "{}", response_body: "", duration_ms: 1, error: "HTTP 500",
        });
        await db.insertInto("endpoints").values(endpoint("ep")).execute();
        await db.insertInto("events").values([event("evt_kept"), event("evt_other")]).execute();
        await db.insertInto("deliveries").values([
          delivery("dlv_kept", "evt_kept", "ep"),
          delivery("dlv_other", "evt_other", "ep"),
          // Orphans: an event purged or an endpoint deleted around them by an older version.
          delivery("dlv_no_event", "evt_gone", "ep"),
          delivery("dlv_no_endpoint", "evt_kept", "ep_gone"),
        ]).execute();
        // An attempt each, and two recorded after their delivery was deleted (the in-memory sweep lost to a restart).
        const attempts = ["dlv_kept", "dlv_other", "dlv_no_event", "dlv_no_endpoint", "dlv_deleted", "dlv_deleted"].map(attempt);
        await db.insertInto("attempts").values(attempts).execute();

        await store.migrate();

        const ids = async (table: string, column = "id") => (await db.selectFrom(table).select(column).orderBy(column).execute()).map((r) => r[column]);
        expect(await ids("deliveries")).toEqual(["dlv_kept", "dlv_other"]);
        expect(await ids("attempts", "delivery_id")).toEqual(["dlv_kept", "dlv_other"]);
        expect(await ids("events")).toEqual(["evt_kept", "evt_other"]);
        expect(await ids("endpoints")).toEqual(["ep"]);

        await db.deleteFrom("events").where("id", "=", "evt_other").execute();
        expect(await ids("deliveries")).toEqual(["dlv_kept"]);
        expect(await ids("attempts", "delivery_id")).toEqual(["dlv_kept"]);
        await db.deleteFrom("endpoints").where("id", "=", "ep").execute();
        expect(await ids("deliveries")).toEqual([]);
        expect(await ids("attempts")).toEqual([]);

        // Down and up again leave the same schema (the triggers dropped and made anew).
        const migrator = new Migrator({ db, provider: migrationProvider });
        expect((await migrator.migrateTo("008-source-holder")).error).toBeUndefined();
        expect((await migrator.migrateToLatest()).error).toBeUndefined();
      } finally {
        await store.close();
        await cleanup();
      }
    });
  });
}
