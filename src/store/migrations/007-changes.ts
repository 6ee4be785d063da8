import { PostgresAdapter, sql, type Kysely } from "kysely";

/**
 * Issue 15: every process sees an endpoint change within 2 s. Triggers on `endpoints` write a change log in the
 * transaction that changes the row (so a write from anywhere, direct SQL included, is seen): `meta.changes` counts
 * the changes, `changes` names each one. A process reads the counter every second (one row) and the log past what
 * it has seen; on Postgres a NOTIFY on `hookgate_changes` wakes it at once.
 *
 * A change is an insert, a delete, or an update that moves `updated_at` or `enabled`: the failure-streak counters
 * that every attempt batch updates are not changes. On Postgres the trigger is deferred to the commit, so the
 * counter row is the last lock a transaction takes (no lock cycle with endpoint rows) and versions commit in order:
 * whoever reads version v sees every change up to v.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable("changes")
    .addColumn("version", "bigint", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .execute();
  await db.insertInto("meta").values({ key: "changes", value: "0" }).onConflict((oc) => oc.column("key").doNothing()).execute();
  const changed = (not: string) => sql.raw(`OLD.updated_at ${not} NEW.updated_at OR OLD.enabled ${not} NEW.enabled`);
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`CREATE FUNCTION hookgate_endpoint_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        v bigint;
        ep text := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
      BEGIN
        UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'changes' RETURNING value::bigint INTO v;
        INSERT INTO changes (version, kind, id) VALUES (v, 'endpoint', ep);
        -- The log keeps the last 10,000 changes; a process further behind reloads everything.
        IF v % 1000 = 0 THEN DELETE FROM changes WHERE version <= v - 10000; END IF;
        PERFORM pg_notify('hookgate_changes', 'endpoint:' || ep);
        RETURN NULL;
      END $$`.execute(db);
    await sql`CREATE CONSTRAINT TRIGGER endpoints_written AFTER INSERT OR DELETE ON endpoints
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hookgate_endpoint_changed()`.execute(db);
    await sql`CREATE CONSTRAINT TRIGGER endpoints_updated AFTER UPDATE ON endpoints
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (${changed("IS DISTINCT FROM")}) EXECUTE FUNCTION hookgate_endpoint_changed()`.execute(db);
    return;
  }
  // SQLite has one writer at a time: versions are in commit order already.
  const log = (ref: string) => sql.raw(`UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'changes';
      INSERT INTO changes (version, kind, id) SELECT CAST(value AS INTEGER), 'endpoint', ${ref}.id FROM meta WHERE key = 'changes';
      DELETE FROM changes WHERE version <= (SELECT CAST(value AS INTEGER) - 10000 FROM meta WHERE key = 'changes');`);
  await sql`CREATE TRIGGER endpoints_inserted AFTER INSERT ON endpoints BEGIN ${log("NEW")} END`.execute(db);
  await sql`CREATE TRIGGER endpoints_deleted AFTER DELETE ON endpoints BEGIN ${log("OLD")} END`.execute(db);
  await sql`CREATE TRIGGER endpoints_updated AFTER UPDATE ON endpoints WHEN ${changed("IS NOT")} BEGIN ${log("NEW")} END`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`DROP TRIGGER IF EXISTS endpoints_written ON endpoints`.execute(db);
    await sql`DROP TRIGGER IF EXISTS endpoints_updated ON endpoints`.execute(db);
    await sql`DROP FUNCTION IF EXISTS hookgate_endpoint_changed()`.execute(db);
  } else {
    for (const name of ["endpoints_inserted", "endpoints_deleted", "endpoints_updated"]) await sql`DROP TRIGGER IF EXISTS ${sql.raw(name)}`.execute(db);
  }
  await db.deleteFrom("meta").where("key", "=", "changes").execute();
  await db.schema.dropTable("changes").execute();
}
