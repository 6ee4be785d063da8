import type { Kysely } from "kysely";

/**
 * Issue 13: an endpoint's stats (GET /endpoints/{id}/stats). Its deliveries created since a time are a range of
 * (endpoint_id, created_at), read with their status from the index alone; its last attempt is the first row of
 * (endpoint_id, id), attempt ids being time-sortable. The second also serves deleteAttemptsOf.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("deliveries_endpoint_created").on("deliveries").columns(["endpoint_id", "created_at", "status"]).execute();
  await db.schema.createIndex("attempts_endpoint").on("attempts").columns(["endpoint_id", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ["attempts_endpoint", "deliveries_endpoint_created"]) await db.schema.dropIndex(index).execute();
}
