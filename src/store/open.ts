import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Config } from "../config/schema.ts";
import type { Logger } from "../plugin-api/index.ts";
import type { DB } from "./schema.ts";
import { openSqlite } from "./sqlite.ts";
import { PostgresHotPaths } from "./postgres-hot.ts";
import { SqliteHotPaths } from "./sqlite-hot.ts";
import { KyselyStore } from "./store.ts";
import type { Store } from "./types.ts";

// bigint columns hold unix milliseconds: well inside a JS number.
pg.types.setTypeParser(20, (v) => Number(v));

/** Connections per process to a Postgres store unless `store.pool` says otherwise (N processes open up to N × this). */
export const POOL_SIZE = 10;

const stderrLog: Pick<Logger, "warn"> = { warn: (msg, fields) => process.stderr.write(`${msg} ${JSON.stringify(fields ?? {})}\n`) };

export function openStore(store: Config["store"], log: Pick<Logger, "warn"> = stderrLog): Store {
  if (store.postgres) {
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: resilientPool(store.postgres, store.pool ?? POOL_SIZE, log) }) });
    return new KyselyStore(db, "postgres", new PostgresHotPaths(db));
  }
  const { db, raw, close } = openSqlite({ file: store.sqlite ?? "./data/hookgate.db", synchronous: store.synchronous });
  return new KyselyStore(db, "sqlite", new SqliteHotPaths(raw), close);
}

/**
 * A pool that survives a lost connection (a Postgres restart or failover, pg_terminate_backend, an idle timeout).
 * An `error` event with no listener would kill the process: every connection gets one for its whole life (an
 * idle one errors through the pool, one checked out by kysely through the client itself). The dead client is
 * dropped by the pool, the next query opens a new one, and a query that meets the outage fails (ingest: 503).
 */
function resilientPool(url: string, max: number, log: Pick<Logger, "warn">): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  const reported = new WeakSet<pg.Client>();
  const lost = (client: pg.Client, error: Error) => {
    if (reported.has(client)) return; // one line per connection, however many events it raises on the way down
    reported.add(client);
    log.warn("a Postgres store connection was lost; the pool opens a new one for the next query", { error: error.message });
  };
  pool.on("connect", (client) => client.on("error", (error) => lost(client, error)));
  pool.on("error", (error, client) => lost(client as unknown as pg.Client, error));
  return pool;
}
