import { sql, type Kysely, type SqlBool } from "kysely";

/**
 * Issue 26 (migration 013): an ordered delivery's index entries stay where they are while its key drains. 012's
 * `deliveries_key` held each open ordered delivery under its key with `held_since`: the promote moved the next's
 * entry and the end removed it, at one place per key, so a commit of 100 keys' ends wrote about 100 pages of it
 * (bench/FINDINGS.md, issue 26). Now three indexes, none of them per key and moved:
 * - `deliveries_key` (endpoint, key, id), every ordered delivery, open or not: a key's deliveries in the order they
 *   were accepted. Written at ingest, left alone by promotes and ends, removed with the row (retention, deletes).
 * - `deliveries_holder` (endpoint, key): the key's delivery under way (promoted, not ended), one per key, so about a
 *   page holds a thousand keys' holders.
 * - `deliveries_waiting` (id): the ordered deliveries not promoted yet, in id order: ingest appends, promotes take
 *   the oldest. Only the sweep's repair reads it (`promoteStale`).
 * A key's next is the first waiting after the one that ended, or, with none ended to start from (ingest, a head
 * deleted), after the newest that ever held the key (sqlite-hot.ts `promoteMany`, postgres-hot.ts `promoteKeys`).
 */
const OPEN = sql<SqlBool>`status IN ('pending', 'retrying')`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("deliveries_key").execute();
  await db.schema.createIndex("deliveries_key").on("deliveries").columns(["endpoint_id", "ordering_key", "id"])
    .where(sql<SqlBool>`ordering_key IS NOT NULL`).execute();
  await db.schema.createIndex("deliveries_holder").on("deliveries").columns(["endpoint_id", "ordering_key"])
    .where(sql<SqlBool>`ordering_key IS NOT NULL AND held_since IS NOT NULL AND ${OPEN}`).execute();
  await db.schema.createIndex("deliveries_waiting").on("deliveries").column("id")
    .where(sql<SqlBool>`ordering_key IS NOT NULL AND held_since IS NULL AND ${OPEN}`).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("deliveries_waiting").execute();
  await db.schema.dropIndex("deliveries_holder").execute();
  await db.schema.dropIndex("deliveries_key").execute();
  await db.schema.createIndex("deliveries_key").on("deliveries").columns(["endpoint_id", "ordering_key", "held_since", "id"])
    .where(sql<SqlBool>`ordering_key IS NOT NULL AND ${OPEN}`).execute();
}
