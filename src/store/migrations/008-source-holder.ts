import type { Kysely } from "kysely";

/**
 * Issue 15: which process runs a run-once source (`<hostname>:<pid>`), written by the process that takes its lock,
 * so GET /sources answers the same on every process. Null until a process takes it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("source_state").addColumn("holder", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("source_state").dropColumn("holder").execute();
}
