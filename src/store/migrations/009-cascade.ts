import { PostgresAdapter, sql, type Kysely } from "kysely";

/**
 * Issue 22: attempts never outlive their delivery (DESIGN §7). Deleting an endpoint or an event deletes its
 * deliveries, and deleting a delivery deletes its attempts, by triggers in the store: every delete (the admin API,
 * a tenant's removal, the purge, direct SQL) cascades, and no process has to remember to sweep later.
 *
 * Triggers rather than foreign keys: they cost nothing on the hot paths (nothing fires on an insert or update), need
 * no rebuild of the big tables, and do not fail an ingest batch that routed an event to an endpoint another process
 * deleted a moment before. An attempt recorded after its delivery was deleted is skipped by recordAttempts (the
 * delivery's update comes first and must find the row), and the purge removes old attempts whose delivery is gone.
 *
 * Orphans left by older versions (attempts whose delivery is gone, deliveries whose event or endpoint is) go now.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`DELETE FROM attempts WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = attempts.delivery_id)`.execute(db);
  await sql`DELETE FROM deliveries WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = deliveries.event_id)
    OR NOT EXISTS (SELECT 1 FROM endpoints p WHERE p.id = deliveries.endpoint_id)`.execute(db);
  await sql`DELETE FROM attempts WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = attempts.delivery_id)`.execute(db);

  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    // One statement per delete, not one per row: the purge deletes a thousand events at a time.
    const cascade = async (name: string, table: string, child: string, column: string) => {
      await sql.raw(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          DELETE FROM ${child} WHERE ${column} IN (SELECT id FROM gone);
          RETURN NULL;
        END $$`).execute(db);
      await sql.raw(`CREATE TRIGGER ${name} AFTER DELETE ON ${table} REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION ${name}()`).execute(db);
    };
    await cascade("hookgate_endpoint_deleted", "endpoints", "deliveries", "endpoint_id");
    await cascade("hookgate_event_deleted", "events", "deliveries", "event_id");
    await cascade("hookgate_delivery_deleted", "deliveries", "attempts", "delivery_id");
    return;
  }
  // SQLite fires a trigger from within another's delete (only a trigger firing itself needs recursive_triggers).
  await sql`CREATE TRIGGER endpoint_deleted AFTER DELETE ON endpoints BEGIN DELETE FROM deliveries WHERE endpoint_id = OLD.id; END`.execute(db);
  await sql`CREATE TRIGGER event_deleted AFTER DELETE ON events BEGIN DELETE FROM deliveries WHERE event_id = OLD.id; END`.execute(db);
  await sql`CREATE TRIGGER delivery_deleted AFTER DELETE ON deliveries BEGIN DELETE FROM attempts WHERE delivery_id = OLD.id; END`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    for (const [name, table] of [["hookgate_endpoint_deleted", "endpoints"], ["hookgate_event_deleted", "events"], ["hookgate_delivery_deleted", "deliveries"]] as const) {
      await sql`DROP TRIGGER IF EXISTS ${sql.raw(name)} ON ${sql.raw(table)}`.execute(db);
      await sql`DROP FUNCTION IF EXISTS ${sql.raw(name)}()`.execute(db);
    }
    return;
  }
  for (const name of ["endpoint_deleted", "event_deleted", "delivery_deleted"]) await sql`DROP TRIGGER IF EXISTS ${sql.raw(name)}`.execute(db);
}
