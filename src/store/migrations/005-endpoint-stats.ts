import type { Kysely } from "kysely";

/**
 * Issue 13: an endpoint's stats (GET /endpoints/{id}/stats). Its last attempt's time and response status live on
 * the endpoint row, set by the statement that already updates its failure streak after a batch of attempts (not
 * its updated_at: the registry rebuilds endpoints when that moves). Its counts read the existing
 * deliveries_endpoint (endpoint_id, id) index as an id range, so ingest and dispatch pay for no new index.
 * Null on existing rows until their next attempt.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("endpoints").addColumn("last_attempt_at", "bigint").execute();
  await db.schema.alterTable("endpoints").addColumn("last_status_code", "integer").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("endpoints").dropColumn("last_status_code").execute();
  await db.schema.alterTable("endpoints").dropColumn("last_attempt_at").execute();
}
