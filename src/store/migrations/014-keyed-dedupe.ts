import { sql, type Kysely, type SqlBool } from "kysely";

/**
 * Issue 24 (migration 014): `events_dedupe` (source, dedupe_key) holds only the events sent with an id of their own
 * (an idempotency key: `idempotency_key` is set). An event sent without one takes its generated id as its dedupe
 * key, which the primary key already keeps unique and which nothing looks up: its entry was one more B-tree insert
 * per event for nothing. The ingest's `ON CONFLICT` names the index's condition (both stores infer a partial unique
 * index from it), and the lookup of a duplicate's original states it too.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("events_dedupe").execute();
  await db.schema.createIndex("events_dedupe").on("events").columns(["source", "dedupe_key"]).unique()
    .where(sql<SqlBool>`idempotency_key IS NOT NULL`).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("events_dedupe").execute();
  await db.schema.createIndex("events_dedupe").on("events").columns(["source", "dedupe_key"]).unique().execute();
}
