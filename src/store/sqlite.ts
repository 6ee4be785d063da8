import { Database, type SQLQueryBindings } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type SqliteDatabase, type SqliteStatement } from "kysely";
import type { DB } from "./schema.ts";

/** kysely's SqliteDatabase over bun:sqlite. `query` caches the prepared statement per SQL text. */
function adapt(db: Database): SqliteDatabase {
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const stmt = db.query(sql);
      return {
        reader: stmt.columnNames.length > 0,
        all: (params) => stmt.all(...(params as SQLQueryBindings[])),
        run: (params) => stmt.run(...(params as SQLQueryBindings[])),
        iterate: (params) => stmt.iterate(...(params as SQLQueryBindings[])),
      };
    },
  };
}

/** One connection shared by everyone: a transaction must hold it alone until it ends. */
class SerialSqliteDriver extends SqliteDriver {
  #tail: Promise<void> = Promise.resolve();
  #release: (() => void) | null = null;

  override async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((r) => { release = r; });
    await previous;
    this.#release = release;
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = null;
    release?.();
  }
}

class SerialSqliteDialect extends SqliteDialect {
  constructor(private readonly cfg: { database: SqliteDatabase }) { super(cfg); }
  override createDriver() { return new SerialSqliteDriver(this.cfg); }
}

export interface SqliteOptions {
  file: string;
  synchronous: "full" | "normal";
}

/** All SQLite pragmas live here: WAL, the durability level, and a busy timeout for the CLI's migrate. */
export function openSqlite(options: SqliteOptions): { raw: Database; db: Kysely<DB> } {
  if (options.file !== ":memory:") mkdirSync(dirname(options.file), { recursive: true });
  const raw = new Database(options.file, { create: true, strict: false });
  raw.exec("PRAGMA journal_mode = WAL");
  raw.exec(`PRAGMA synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
  raw.exec("PRAGMA busy_timeout = 5000");
  raw.exec("PRAGMA foreign_keys = OFF");
  raw.exec("PRAGMA cache_size = -32000");
  raw.exec("PRAGMA temp_store = MEMORY");
  const db = new Kysely<DB>({ dialect: new SerialSqliteDialect({ database: adapt(raw) }) });
  return { raw, db };
}
