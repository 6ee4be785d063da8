import type pg from "pg";
import { backoff, emitEach, sleep, type EventInput, type Source, type SourceContext } from "../../src/plugin-api/index.ts";
import { Listener } from "./listener.ts";
import { quoteName, type PostgresOptions } from "./options.ts";

interface Row { id: string | number; type: string; data: unknown; tenant?: string | null; ordering_key?: string | null }

/** Columns a table may lack (made by an older `hookgate pg-setup`): its rows then have none of them. */
const OPTIONAL = ["tenant", "ordering_key"] as const;

/**
 * Table mode: the app writes rows in its own transactions; hookgate takes them in batches, stores
 * them as events keyed by row id, and deletes them in the same Postgres transaction that locked them.
 * A crash between hookgate's commit and the delete re-takes the rows, and their keys make them duplicates.
 */
export function createOutbox(options: PostgresOptions & { table: string }, ctx: SourceContext): Source {
  const table = quoteName(options.table);
  // Tables made before tenants or ordering keys lack those columns: their rows are global events without a key.
  // Which columns there are is checked on each connect, so adding one (pg-setup's ALTER TABLE) needs no restart of the app.
  const selectFrom = (columns: string) => `SELECT ${columns} FROM ${table} WHERE NOT (id = ANY($2)) ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`;
  let select = selectFrom("id, type, data");
  const remove = `DELETE FROM ${table} WHERE id = ANY($1)`;
  /** Rows that are not valid events stay in the table (logged) and are passed over until a restart. */
  const invalid = new Set<string>();
  let draining: Promise<void> | null = null;
  let again = false;
  let failures = 0;
  let stopped = true;
  let sweep: Timer | null = null;
  let retry: Timer | null = null;

  const listener = new Listener(options.url, options.channel, ctx, {
    ready: async (client) => { select = selectFrom(["id", "type", "data", ...await optionalColumns(client, options.table)].join(", ")); },
    connected: () => kick(),
    notified: () => kick(),
  });

  function kick(): void {
    if (stopped) return;
    if (draining) { again = true; return; }
    draining = drain().finally(() => { draining = null; });
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      const client = listener.client;
      if (!client) return; // the listener catches up after it reconnects
      try {
        while (!stopped && (await takeBatch(client)) === options.batchSize);
        if (failures) { failures = 0; ctx.report("running"); }
      } catch (error) {
        if (client !== listener.client) return; // the connection went away: the listener reconnects
        const delay = backoff(failures++, 500, 60_000);
        ctx.report("error", `reading ${options.table} failed (retry in ${delay} ms): ${(error as Error).message}`);
        retry = setTimeout(kick, delay);
        return;
      }
    } while (again && !stopped);
  }

  async function takeBatch(client: pg.Client): Promise<number> {
    await client.query("BEGIN");
    try {
      const { rows } = await client.query<Row>(select, [options.batchSize, [...invalid]]);
      const taken = rows.length ? await store(rows) : [];
      if (taken.length) await client.query(remove, [taken]);
      await client.query("COMMIT");
      return rows.length;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    }
  }

  /** Emits the rows; returns the ids that are stored. A row that is not a valid event stays in the table. */
  async function store(rows: Row[]): Promise<string[]> {
    const events = rows.map((r): EventInput => ({
      id: String(r.id), type: r.type, data: r.data,
      ...(r.tenant != null && { tenant: r.tenant }),
      ...(r.ordering_key != null && { orderingKey: r.ordering_key }),
    }));
    const stored = await emitEach(ctx, events, {
      event: (event) => event,
      invalid: (event, error) => {
        invalid.add(event.id!);
        const message = `row ${event.id} of ${options.table} is not a valid event and stays in the table: ${error.message}`;
        ctx.log.error(message, { row: event.id });
        ctx.report("running", message);
      },
    });
    return stored.map((event) => event.id!);
  }

  return {
    async start() {
      stopped = false;
      invalid.clear();
      await listener.start();
      sweep = setInterval(kick, options.sweep);
    },
    async stop() {
      stopped = true;
      if (sweep) clearInterval(sweep);
      if (retry) clearTimeout(retry);
      sweep = retry = null;
      // Let a batch in flight commit (its emit is quick), then close the connection.
      if (draining) await Promise.race([draining, sleep(10_000)]);
      await listener.stop();
    },
  };
}

/** Checks the table has what hookgate reads; answers which of the optional columns (tenant, ordering_key) it has. */
async function optionalColumns(client: pg.Client, table: string): Promise<string[]> {
  try {
    const { fields } = await client.query(`SELECT * FROM ${quoteName(table)} LIMIT 0`);
    await client.query(`SELECT id, type, data FROM ${quoteName(table)} LIMIT 0`);
    return OPTIONAL.filter((column) => fields.some((f) => f.name === column));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "42P01") throw new Error(`table ${table} does not exist: run "hookgate pg-setup" and apply the SQL it prints to this database`);
    if (code === "42703") throw new Error(`table ${table} needs the columns id, type and data: see "hookgate pg-setup" for its definition`);
    throw error;
  }
}
