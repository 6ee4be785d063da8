import pg from "pg";

export const PG_ADMIN_URL = process.env.HOOKGATE_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2_000 });
  try { await client.connect(); await client.end(); return true; } catch { return false; }
}

/** Postgres on 127.0.0.1:5432. Without it the Postgres tests skip with one line, unless CI is set: then they run and fail. */
export const pgAvailable = await reachable();
export const skipPg = !pgAvailable && !process.env.CI;
if (skipPg) console.log(`postgres tests skipped: no Postgres at ${PG_ADMIN_URL} (set CI=1 to make them fail instead)`);

/**
 * Whether the real Postgres on 127.0.0.1:5432 answers. When it does not, tests skip with one line,
 * unless CI is set: then they must run, so this throws.
 */
export async function postgresAvailable(what: string): Promise<boolean> {
  if (pgAvailable) return true;
  if (process.env.CI) throw new Error(`${what}: Postgres at ${PG_ADMIN_URL} is unreachable and CI is set`);
  console.log(`skipping ${what}: no Postgres at ${PG_ADMIN_URL}`);
  return false;
}

export interface TestDatabase {
  url: string;
  name: string;
  /** A client on the test database, for the test's own SQL. */
  client: pg.Client;
  drop(): Promise<void>;
}

/** Makes a fresh database for one test; `drop` ends every connection to it and drops it. */
export async function createDatabase(): Promise<TestDatabase> {
  const name = `hookgate_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await admin(`CREATE DATABASE ${name}`);
  const parsed = new URL(PG_ADMIN_URL);
  parsed.pathname = `/${name}`;
  const url = parsed.toString();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    url, name, client,
    async drop() {
      await client.end().catch(() => {});
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try { await client.query(sql); } finally { await client.end(); }
}

/** Ends every connection hookgate's source `id` holds to `database` (as a network blip would). */
export async function terminateSource(client: pg.Client, id: string): Promise<number> {
  const { rows } = await client.query(
    "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()",
    [`hookgate:${id}`],
  );
  return rows.filter((r) => r.ok).length;
}
