import { sql, type Kysely } from "kysely";

/**
 * Issue 10 and 9.20: when an endpoint's failure streak began (auto-disable needs a sustained streak), how many
 * times each delivery was leased (a resend after a crash is numbered after the attempts that may have gone out),
 * and the body an attempt sent (null when it was the default envelope, which reads rebuild from the event).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("endpoints").addColumn("failing_since", "bigint").execute();
  await db.schema.alterTable("deliveries").addColumn("leases", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await sql`UPDATE deliveries SET leases = attempts`.execute(db);
  await db.schema.alterTable("attempts").addColumn("request_body", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("attempts").dropColumn("request_body").execute();
  await db.schema.alterTable("deliveries").dropColumn("leases").execute();
  await db.schema.alterTable("endpoints").dropColumn("failing_since").execute();
}
