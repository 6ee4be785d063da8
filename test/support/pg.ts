import pg from "pg";

export const PG_ADMIN_URL = process.env.HOOKGATE_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2_000 });
  try { await client.connect(); await client.end(); return true; } catch { return false; }
}

/** Postgres on 127.0.0.1:5432. Without it the Postgres tests skip with one line, unless CI is set: then they run and fail. */
export const pgAvailable = await reachable();
export const skipPg = !pgAvailable && !process.env.CI;
if (skipPg) console.log("postgres tests skipped: no Postgres at 127.0.0.1:5432 (set CI=1 to make them fail instead)");

/** A fresh database for one test file; drop() removes it (terminating leftover connections). */
export async function createTestDatabase(prefix = "hookgate_test"): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    url, name,
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
