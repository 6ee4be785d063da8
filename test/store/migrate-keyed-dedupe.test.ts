import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { sql, type Kysely } from "kysely";
import { Migrator } from "kysely/migration";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "../../src/core/ids.ts";
import { toEventRow } from "../../src/core/events.ts";
import type { EventInput } from "../../src/core/event-input.ts";
import { migrationProvider } from "../../src/store/migrations/index.ts";
import { openStore } from "../../src/store/open.ts";
import { ORIGINAL_OF } from "../../src/store/sqlite-hot.ts";
import type { IngestItem } from "../../src/store/types.ts";
import { dbOf } from "../support/store-db.ts";
import { STORES } from "../support/stores.ts";

setDefaultTimeout(30_000);

function item(source: string, key?: string, scope?: string): IngestItem {
  const now = Date.now();
  const input: EventInput = { type: "x.created", data: { n: 1 }, ...(key !== undefined && { id: key }) };
  return { event: toEventRow(newId("evt", now), source, input, now, scope), deliveries: [] };
}

/**
 * Migration 014 (issue 24): `events_dedupe` holds only the events sent with an id of their own. On a store whose
 * events were written under 013 (keyed and keyless), a keyed event sent again is still a duplicate of its original,
 * keys stay per source and per scope, events without a key are all stored, and down to 013 and up again works.
 */
for (const kind of STORES) {
  describe.skipIf(kind.skip)(`migration 014 (keyed dedupe): ${kind.name}`, () => {
    test("duplicates of events written before it are still found after it", async () => {
      const { store, cleanup } = await kind.open();
      try {
        const db = dbOf(store) as unknown as Kysely<any>;
        expect((await new Migrator({ db, provider: migrationProvider }).migrateTo("013-ordering-keys")).error).toBeUndefined();
        const before = [item("app", "order-1"), item("app"), item("app"), item("app", "order-2", "token-a")];
        await db.insertInto("events").values(before.map((i) => i.event)).execute();

        await store.migrate();

        const again = await store.ingest([item("app", "order-1"), item("app", "order-2", "token-a"), item("app", "order-2", "token-b"), item("other", "order-1"), item("app"), item("app")]);
        expect(again.map((r) => r.duplicate)).toEqual([true, true, false, false, false, false]);
        expect(again[0]!.id).toBe(before[0]!.event.id);
        expect(again[1]!.id).toBe(before[3]!.event.id);
        // A key sent twice in one batch after the migration: the second is the first's duplicate.
        const [first, second] = await store.ingest([item("app", "order-3"), item("app", "order-3")]);
        expect(second).toEqual({ id: first!.id, deliveries: 0, duplicate: true });
        const count = await db.selectFrom("events").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
        expect(Number(count.n)).toBe(4 + 4 + 1);

        const migrator = new Migrator({ db, provider: migrationProvider });
        expect((await migrator.migrateTo("013-ordering-keys")).error).toBeUndefined();
        expect((await migrator.migrateToLatest()).error).toBeUndefined();
        const [last] = await store.ingest([item("app", "order-1")]);
        expect(last).toEqual({ id: before[0]!.event.id, deliveries: 0, duplicate: true });
        if (kind.name === "postgres") {
          const { rows } = await sql<{ indexdef: string }>`SELECT indexdef FROM pg_indexes WHERE indexname = 'events_dedupe'`.execute(db);
          expect(rows[0]!.indexdef).toContain("WHERE (idempotency_key IS NOT NULL)");
        }
      } finally {
        await store.close();
        await cleanup();
      }
    });
  });
}

/** SQLite: an event without a key writes no entry in events_dedupe, and a duplicate's original is found by one seek of it. */
test("sqlite: events_dedupe holds the keyed events only, and the original's lookup seeks it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hookgate-dedupe-"));
  try {
    const file = join(dir, "s.db");
    const store = openStore({ sqlite: file, retention: "30d", synchronous: "full" });
    await store.migrate();
    await store.ingest([item("app", "k-1"), item("app"), item("app"), item("app"), item("app", "k-2"), item("app")]);
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      const cells = db.query("SELECT sum(ncell) AS n FROM dbstat WHERE name = 'events_dedupe'").get() as { n: number };
      expect(cells.n).toBe(2);
      const plan = (db.query(`EXPLAIN QUERY PLAN ${ORIGINAL_OF}`).all("app", "k-1") as { detail: string }[]).map((r) => r.detail);
      expect(plan).toContain("SEARCH e USING INDEX events_dedupe (source=? AND dedupe_key=?)");
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
