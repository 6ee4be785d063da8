import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable("events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("timestamp", "text", (c) => c.notNull())
    .addColumn("data", "text", (c) => c.notNull())
    .addColumn("dedupe_key", "text", (c) => c.notNull())
    .addColumn("idempotency_key", "text")
    .addColumn("received_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("events_dedupe").on("events").columns(["source", "dedupe_key"]).unique().execute();
  await db.schema.createIndex("events_type").on("events").columns(["type", "id"]).execute();

  await db.schema.createTable("endpoints")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("events", "text", (c) => c.notNull())
    .addColumn("enabled", "integer", (c) => c.notNull())
    .addColumn("disabled_reason", "text")
    .addColumn("managed_by", "text", (c) => c.notNull())
    .addColumn("headers", "text", (c) => c.notNull())
    .addColumn("auth", "text")
    .addColumn("signing_scheme", "text", (c) => c.notNull())
    .addColumn("signing_header", "text")
    .addColumn("secret", "text")
    .addColumn("previous_secret", "text")
    .addColumn("previous_secret_until", "bigint")
    .addColumn("consecutive_failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("options", "text", (c) => c.notNull().defaultTo("{}"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema.createTable("deliveries")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("event_id", "text", (c) => c.notNull())
    .addColumn("endpoint_id", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("next_attempt_at", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  // The dispatcher's work list: due deliveries per endpoint, and nothing else.
  await db.schema.createIndex("deliveries_due").on("deliveries").columns(["endpoint_id", "next_attempt_at"])
    .where(sql.ref("status"), "in", sql`('pending', 'retrying')`).execute();
  await db.schema.createIndex("deliveries_event").on("deliveries").column("event_id").execute();
  await db.schema.createIndex("deliveries_endpoint").on("deliveries").columns(["endpoint_id", "id"]).execute();
  await db.schema.createIndex("deliveries_status").on("deliveries").columns(["status", "id"]).execute();

  await db.schema.createTable("attempts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("delivery_id", "text", (c) => c.notNull())
    .addColumn("endpoint_id", "text", (c) => c.notNull())
    .addColumn("number", "integer", (c) => c.notNull())
    .addColumn("trigger", "text", (c) => c.notNull())
    .addColumn("started_at", "bigint", (c) => c.notNull())
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("request_headers", "text", (c) => c.notNull())
    .addColumn("status_code", "integer")
    .addColumn("response_headers", "text", (c) => c.notNull())
    .addColumn("response_body", "text", (c) => c.notNull())
    .addColumn("duration_ms", "integer", (c) => c.notNull())
    .addColumn("error", "text")
    .execute();
  await db.schema.createIndex("attempts_delivery").on("attempts").columns(["delivery_id", "number"]).execute();

  await db.schema.createTable("source_state")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("cursor", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("last_error", "text")
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["source_state", "attempts", "deliveries", "endpoints", "events"]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
