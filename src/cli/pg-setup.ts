import type { LoadedConfig } from "../config/load.ts";

/**
 * The SQL an app's database needs for each `postgres` source in table mode (DESIGN section 8): the
 * outbox table, and a trigger that notifies `channel` once per insert statement. Safe to re-run.
 * Names are lowercase identifiers (the source's options schema checks them), quoted here so a
 * reserved word still works.
 */
export function pgSetup(loaded: LoadedConfig): string {
  const tables = loaded.sources.filter((s) => s.type === "postgres" && (s.options as { table?: string }).table);
  if (tables.length === 0) return "-- no postgres source in table mode in this config (set table on a postgres source)";
  return tables.map((s) => {
    const { table, channel } = s.options as { table: string; channel: string };
    const parts = table.split(".");
    const name = parts.at(-1)!;
    const schema = parts.length > 1 ? `"${parts[0]}".` : "";
    const fn = `${schema}"${name}_notify"`;
    const quoted = `${schema}"${name}"`;
    return `-- hookgate source "${s.id}": the app inserts (type, data) rows in its own transactions, e.g.
--   INSERT INTO ${table} (type, data) VALUES ('job.completed', '{"jobId": "j-1"}');
-- hookgate stores each row as an event (the row id is its idempotency key) and then deletes it.
-- tenant (optional): the customer the event belongs to; null: a global event.
-- ordering_key (optional): endpoints with ordering get the events of one key in the order hookgate took them; null: none.
CREATE TABLE IF NOT EXISTS ${quoted} (
  id bigserial PRIMARY KEY,
  type text NOT NULL,
  data jsonb NOT NULL,
  tenant text,
  ordering_key text,
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE ${quoted} ADD COLUMN IF NOT EXISTS tenant text;
ALTER TABLE ${quoted} ADD COLUMN IF NOT EXISTS ordering_key text;
CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('${channel}', '');
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS "${name}_notify" ON ${quoted};
CREATE TRIGGER "${name}_notify" AFTER INSERT ON ${quoted} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`;
  }).join("\n\n");
}
