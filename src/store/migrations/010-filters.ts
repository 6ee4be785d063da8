import type { Kysely } from "kysely";

/**
 * Issue 27: an endpoint's payload filter (DESIGN §14), as JSON text; null: every event of its types. Existing
 * endpoints have none.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("endpoints").addColumn("filter", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("endpoints").dropColumn("filter").execute();
}
