import type { LoadedConfig } from "../config/load.ts";

/** The SQL an app's database needs for each `postgres` source in table mode (DESIGN section 8). */
export function pgSetup(loaded: LoadedConfig): string {
  const tables = loaded.sources.filter((s) => s.type === "postgres" && (s.options as { table?: string }).table);
  if (tables.length === 0) return "-- no postgres source in table mode in this config";
  return tables.map((s) => {
    const { table, channel } = s.options as { table: string; channel: string };
    const fn = `${table}_notify`;
    return `-- source "${s.id}"
CREATE TABLE IF NOT EXISTS ${table} (
  id bigserial PRIMARY KEY,
  type text NOT NULL,
  data jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('${channel}', '');
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS ${fn} ON ${table};
CREATE TRIGGER ${fn} AFTER INSERT ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`;
  }).join("\n\n");
}
