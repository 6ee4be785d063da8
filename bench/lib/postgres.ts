/** The Postgres side of the scale-out figures: a fresh database per run on the local server (never restarted here). */
import pg from "pg";

export const PG_ADMIN_URL = process.env.HOOKGATE_BENCH_PG ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface BenchDatabase {
  url: string;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try { await client.query(sql); } finally { await client.end(); }
}

/**
 * The server's version, or null when none answers in three tries a second apart (one refused connect is not "no
 * Postgres"); the figures are then skipped with a line saying so, or the run fails with CI set.
 */
export async function postgresVersion(tries = 3): Promise<string | null> {
  for (let i = 0; i < tries; i++) {
    if (i) await Bun.sleep(1_000);
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      const { rows } = await client.query("SHOW server_version");
      return String(rows[0].server_version);
    } catch {
      // tried again below
    } finally {
      await client.end().catch(() => {});
    }
  }
  return null;
}

export async function createDatabase(): Promise<BenchDatabase> {
  const name = `hookgate_bench_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  await admin(`CREATE DATABASE ${name}`);
  const parsed = new URL(PG_ADMIN_URL);
  parsed.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: parsed.toString() });
  await client.connect();
  return {
    url: parsed.toString(),
    query: async (sql, params) => (await client.query(sql, params)).rows,
    async drop() {
      await client.end().catch(() => {});
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
