import { sql, type Kysely, type SqlBool } from "kysely";

/**
 * Issue 26 (migration 012): ordered delivery per ordering key (DESIGN §13). Events carry their key; a delivery to an endpoint with
 * `ordering` carries it too ("" for an event without one) and the time it became its key's head. The partial index
 * holds only ordered deliveries still to be sent, so endpoints without `ordering` write nothing more per event. With
 * `held_since` before the id, a key's first waiting delivery (null) and whether one is under way (set) are each one
 * seek however many of the key wait, and a claim (which moves only the due time) does not touch the index.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("events").addColumn("ordering_key", "text").execute();
  await db.schema.alterTable("deliveries").addColumn("ordering_key", "text").execute();
  await db.schema.alterTable("deliveries").addColumn("held_since", "bigint").execute();
  await db.schema.createIndex("deliveries_key").on("deliveries").columns(["endpoint_id", "ordering_key", "held_since", "id"])
    .where(sql<SqlBool>`ordering_key IS NOT NULL AND status IN ('pending', 'retrying')`).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("deliveries_key").execute();
  await db.schema.alterTable("deliveries").dropColumn("held_since").execute();
  await db.schema.alterTable("deliveries").dropColumn("ordering_key").execute();
  await db.schema.alterTable("events").dropColumn("ordering_key").execute();
}
