import { Database, type SQLQueryBindings } from "bun:sqlite";
import { dirname } from "node:path";
import { Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type SqliteDatabase, type SqliteStatement } from "kysely";
import { startCheckpointer } from "./checkpointer.ts";
import { createPrivateFile, makePrivateDir, tightenFiles } from "./private-files.ts";
import type { DB } from "./schema.ts";

/** kysely's SqliteDatabase over bun:sqlite. `query` caches the prepared statement per SQL text. */
function adapt(db: Database): SqliteDatabase {
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      // On SQLITE_FULL, IOERR, BUSY or NOMEM SQLite may have rolled the transaction back itself; kysely's ROLLBACK then
      // fails with "cannot rollback - no transaction is active" and that error hides the real one (a full disk).
      if (/^rollback$/i.test(sql.trim()) && !db.inTransaction) return { reader: false, all: () => [], run: () => ({ changes: 0, lastInsertRowid: 0 }), iterate: () => [][Symbol.iterator]() };
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

/** Turns on the one connection: kysely's transactions and the raw hot paths (sqlite-hot.ts) take it in order. */
class SerialLock {
  #tail: Promise<void> = Promise.resolve();

  async acquire(): Promise<() => void> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((r) => { release = r; });
    await previous;
    return release;
  }
}

/** One connection shared by everyone: a transaction must hold it alone until it ends. */
class SerialSqliteDriver extends SqliteDriver {
  #release: (() => void) | null = null;

  constructor(cfg: { database: SqliteDatabase }, private readonly lock: SerialLock) { super(cfg); }

  override async acquireConnection(): Promise<DatabaseConnection> {
    this.#release = await this.lock.acquire();
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = null;
    release?.();
  }
}

class SerialSqliteDialect extends SqliteDialect {
  constructor(private readonly cfg: { database: SqliteDatabase }, private readonly lock: SerialLock) { super(cfg); }
  override createDriver() { return new SerialSqliteDriver(this.cfg, this.lock); }
}

/** The raw connection, for hot paths that skip kysely; `exclusive` runs synchronous work in its turn. */
export interface RawSqlite {
  db: Database;
  exclusive<T>(fn: (db: Database) => T): Promise<T>;
}

export interface SqliteOptions {
  file: string;
  synchronous: "full" | "normal";
}

/**
 * All SQLite pragmas live here: WAL, the durability level, and a busy timeout for the CLI's migrate.
 * A background checkpointer (checkpointer.ts) keeps the WAL's copy-back off the event loop.
 */
export function openSqlite(options: SqliteOptions): { raw: RawSqlite; db: Kysely<DB>; close(): Promise<void> } {
  // The database is 0600 before SQLite opens it (new, or left 0644 by an older build); SQLite gives a -wal and -shm it
  // creates the same mode, and ones an older build left are tightened once WAL mode has them open.
  const onDisk = options.file !== ":memory:";
  if (onDisk) {
    makePrivateDir(dirname(options.file));
    if (!createPrivateFile(options.file)) tightenFiles([options.file]);
  }
  const raw = new Database(options.file, { create: true, strict: false });
  raw.exec("PRAGMA journal_mode = WAL");
  if (onDisk) tightenFiles([`${options.file}-wal`, `${options.file}-shm`]);
  const synchronous = options.synchronous === "full" ? "FULL" : "NORMAL";
  raw.exec(`PRAGMA synchronous = ${synchronous}`);
  raw.exec("PRAGMA busy_timeout = 5000");
  raw.exec("PRAGMA foreign_keys = OFF");
  // 8 MB of page cache: 32 MB was most of the RSS a minute of load adds, for no throughput measured (bench/FINDINGS.md, issue 22).
  raw.exec("PRAGMA cache_size = -8000");
  raw.exec("PRAGMA temp_store = MEMORY");
  const lock = new SerialLock();
  const db = new Kysely<DB>({ dialect: new SerialSqliteDialect({ database: adapt(raw) }, lock) });
  const exclusive = async <T>(fn: (db: Database) => T): Promise<T> => {
    const release = await lock.acquire();
    try { return fn(raw); } finally { release(); }
  };
  const checkpointer = options.file === ":memory:" ? null : startCheckpointer(options.file, synchronous);
  return { raw: { db: raw, exclusive }, db, close: async () => { await checkpointer?.stop(); } };
}
