import type { Kysely } from "kysely";

/**
 * Issue 15: processes announce themselves (a heartbeat row each), so each can take its share of an endpoint's
 * `rateLimit` and `maxConcurrency`. On SQLite there is only ever one row.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable("processes")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("host", "text", (c) => c.notNull())
    .addColumn("pid", "integer", (c) => c.notNull())
    .addColumn("started_at", "bigint", (c) => c.notNull())
    .addColumn("heartbeat_at", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("processes").execute();
}
