import { Kysely, PostgresDialect } from "kysely";
import type pg from "pg";
import { pgDriver } from "../plugin-api/pg-driver.ts";
import type { StoreConfig } from "./options.ts";
import type { Logger } from "../core/logger.ts";
import { silentLogger, Summarizer } from "../log.ts";
import type { DB } from "./schema.ts";
import { openSqlite } from "./sqlite.ts";
import { isUnreachable, type StoreLink } from "./outage.ts";
import { PostgresHotPaths } from "./postgres-hot.ts";
import { SqliteHotPaths } from "./sqlite-hot.ts";
import { KyselyStore } from "./store.ts";
import type { Store } from "./types.ts";

/** Connections per process to a Postgres store unless `store.pool` says otherwise (N processes open up to N × this). */
export const POOL_SIZE = 10;

const stderrLog: Logger = { ...silentLogger, warn: (msg, fields) => process.stderr.write(`${msg} ${JSON.stringify(fields ?? {})}\n`) };

/**
 * A connect that gets no answer fails after this long (also the wait for a free pooled connection), so an ingest
 * request meeting a lost store is answered 503 well within a client's patience (two flushes in a row stay under 5 s).
 */
const CONNECT_TIMEOUT_MS = 2_000;

/** Opens the store; on Postgres, `link` learns from every connect whether the server can be reached. */
export function openStore(store: StoreConfig, log: Logger = stderrLog, link?: StoreLink): Store {
  if (store.postgres) {
    const url = store.postgres;
    link?.probeWith(() => probe(url));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: resilientPool(url, store.pool ?? POOL_SIZE, log, link) }) });
    return new KyselyStore(db, "postgres", new PostgresHotPaths(db), async () => link?.close());
  }
  const { db, raw, close } = openSqlite({ file: store.sqlite ?? "./data/hookgate.db", synchronous: store.synchronous });
  return new KyselyStore(db, "sqlite", new SqliteHotPaths(raw), close);
}

/**
 * Whether the server takes a new connection and answers on it. A connection of its own, not a pooled one: while
 * Postgres shuts down, an old connection may still answer for a moment when new ones are already refused.
 */
async function probe(url: string): Promise<void> {
  const client = new (pgDriver().Client)({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on("error", () => {}); // a failure reaches the caller through connect or query
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    // pg's own words for a connect that timed out ("timeout expired") carry no code: this one means no connection.
    const code = (error as { code?: unknown }).code;
    throw Object.assign(new Error(error instanceof Error ? error.message : String(error)), { code: typeof code === "string" ? code : "08001" });
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A pool that survives a lost connection (a Postgres restart or failover, pg_terminate_backend, an idle timeout).
 * An `error` event with no listener would kill the process: every connection gets one for its whole life (an
 * idle one errors through the pool, one checked out by kysely through the client itself). The dead client is
 * dropped by the pool, the next query opens a new one, and a query that meets the outage fails (ingest: 503).
 * With a link: a connect that fails marks the store lost (one line, said by the link); a connection that dies
 * makes the pool try the server once (`probe`): unreachable, the link says so; there, one `warn` line for all the
 * connections lost within 10 s (pg_terminate_backend of every backend ends them together), later ones counted.
 */
function resilientPool(url: string, max: number, log: Logger, link: StoreLink | undefined): pg.Pool {
  const pool = new (pgDriver().Pool)({ connectionString: url, max, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
  const reported = new WeakSet<pg.Client>();
  const lines = new Summarizer(log);
  const lost = (client: pg.Client, error: Error) => {
    if (reported.has(client)) return; // counted once, however many events it raises on the way down
    reported.add(client);
    const say = () => lines.warn("lost", "a Postgres store connection was lost; the pool opens a new one for the next query", { error: error.message });
    if (!link || !isUnreachable(error)) return say();
    if (!link.down) void link.check().then((answered) => { if (answered) say(); });
  };
  pool.on("connect", (client) => client.on("error", (error) => lost(client, error)));
  pool.on("error", (error, client) => lost(client as unknown as pg.Client, error));
  if (link) watchCheckouts(pool, link);
  return pool;
}

/**
 * Tells the link of every connect that fails, and since when the oldest checked-out connection is held (a query
 * waiting on a server that froze). kysely takes connections with the promise form; pg-pool's own query() uses
 * the callback form.
 */
function watchCheckouts(pool: pg.Pool, link: StoreLink): void {
  const held = new Map<pg.PoolClient, number>();
  pool.on("acquire", (client) => held.set(client, Date.now()));
  pool.on("release", (_error, client) => held.delete(client));
  pool.on("remove", (client) => held.delete(client as pg.PoolClient));
  link.watchQueries(() => { let oldest: number | null = null; for (const at of held.values()) oldest = Math.min(oldest ?? at, at); return oldest; });
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  const take = () => connect().catch((error: unknown) => { link.failed(error); throw error; });
  pool.connect = ((callback?: (error: Error | undefined, client?: pg.PoolClient, done?: () => void) => void) => {
    if (!callback) return take();
    take().then((client) => callback(undefined, client, () => client.release()), (error: Error) => callback(error));
  }) as typeof pool.connect;
}
