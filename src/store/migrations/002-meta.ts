import type { Kysely } from "kysely";

/** Small settings the store keeps about itself (the secrets key check). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable("meta")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("meta").ifExists().execute();
}
