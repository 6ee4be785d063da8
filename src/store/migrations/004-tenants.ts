import { sql, type Kysely } from "kysely";

/**
 * Issue 12: tenants (an app's own customers). Existing rows keep a null tenant: they are global. A delivery's
 * tenant is its endpoint's, so a tenant's delivery log never shows a global endpoint. The per-tenant lists use
 * partial indexes, so events and deliveries without a tenant cost no index write.
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ["events", "endpoints", "deliveries"]) await db.schema.alterTable(table).addColumn("tenant", "text").execute();
  await db.schema.createIndex("endpoints_tenant").on("endpoints").columns(["tenant", "created_at", "id"]).execute();
  await db.schema.createIndex("events_tenant").on("events").columns(["tenant", "id"]).where(sql.ref("tenant"), "is not", null).execute();
  await db.schema.createIndex("deliveries_tenant").on("deliveries").columns(["tenant", "id"]).where(sql.ref("tenant"), "is not", null).execute();

  await db.schema.createTable("tenants")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text")
    .addColumn("metadata", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();

  // Only the SHA-256 of a session token is stored: a copy of the database opens no portal.
  await db.schema.createTable("tenant_sessions")
    .addColumn("hash", "text", (c) => c.primaryKey())
    .addColumn("tenant", "text", (c) => c.notNull())
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("revoked_at", "bigint")
    .execute();
  await db.schema.createIndex("tenant_sessions_tenant").on("tenant_sessions").column("tenant").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("tenant_sessions").execute();
  await db.schema.dropTable("tenants").execute();
  for (const index of ["deliveries_tenant", "events_tenant", "endpoints_tenant"]) await db.schema.dropIndex(index).execute();
  for (const table of ["deliveries", "endpoints", "events"]) await db.schema.alterTable(table).dropColumn("tenant").execute();
}
