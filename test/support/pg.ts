import pg from "pg";

export const PG_ADMIN_URL = process.env.HOOKGATE_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2_000 });
  try { await client.connect(); await client.end(); return true; } catch { return false; }
}

const reached = await reachable();

/**
 * The one gate of every Postgres test: `describe.skipIf(skipPg)` or `test.skipIf(skipPg)`. True only when no
 * Postgres answers on 127.0.0.1:5432 and CI is unset (one line says so); under CI the tests run and fail.
 */
export const skipPg = !reached && !process.env.CI;
if (skipPg) console.log(`postgres tests skipped: no Postgres at ${PG_ADMIN_URL} (set CI=1 to make them fail instead)`);

export interface TestDatabase {
  url: string;
  name: string;
  /** A client on the test database, for the test's own SQL. */
  client: pg.Client;
  drop(): Promise<void>;
}

/** Makes a fresh database for one test; `drop` ends every connection to it and drops it. */
export async function createDatabase(): Promise<TestDatabase> {
  if (!reached) throw new Error(`no Postgres at ${PG_ADMIN_URL}, and CI is set: the Postgres tests must run`);
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
