import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Config } from "../config/schema.ts";
import type { DB } from "./schema.ts";
import { openSqlite } from "./sqlite.ts";
import { SqliteFast } from "./sqlite-fast.ts";
import { Store } from "./store.ts";

// bigint columns hold unix milliseconds: well inside a JS number.
pg.types.setTypeParser(20, (v) => Number(v));

export function openStore(store: Config["store"]): Store {
  if (store.postgres) {
    const pool = new pg.Pool({ connectionString: store.postgres, max: 10 });
    return new Store(new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }), "postgres");
  }
  const { db, raw, close } = openSqlite({ file: store.sqlite ?? "./data/hookgate.db", synchronous: store.synchronous });
  return new Store(db, "sqlite", close, new SqliteFast(raw));
}
