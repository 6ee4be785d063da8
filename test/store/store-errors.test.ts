import { describe, expect, test } from "bun:test";
import { StoreWrites, storeLabel, storeOpenFailure } from "../../src/store/store-errors.ts";

const err = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});
const FILE = "/var/lib/hookgate/hookgate.db";

describe("storeOpenFailure: the one line serve exits with", () => {
  const cases: [string, Error, string | null][] = [
    ["SQLite full", err("database or disk is full", "SQLITE_FULL"), `cannot open the store ${FILE}: database or disk is full — free space on the disk that holds it`],
    ["full, code lost in the migrator's wrapper", err("store migration 0003 failed: database or disk is full"), `cannot open the store ${FILE}: database or disk is full — free space on the disk that holds it`],
    ["ENOSPC", err("ENOSPC: no space left on device, mkdir", "ENOSPC"), `cannot open the store ${FILE}: database or disk is full — free space on the disk that holds it`],
    ["read-only", err("attempt to write a readonly database", "SQLITE_READONLY"), `cannot open the store ${FILE}: it cannot be written — make it and its folder writable by the user hookgate runs as`],
    ["cannot open", err("unable to open database file", "SQLITE_CANTOPEN"), `cannot open the store ${FILE}: unable to open the database file — check that its folder exists and is writable by the user hookgate runs as (store.sqlite)`],
    ["corrupt", err("database disk image is malformed", "SQLITE_CORRUPT"), `cannot open the store ${FILE}: the file is damaged or not a SQLite database — restore it from a backup, or point store.sqlite at another file`],
    ["Postgres down", err("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"), `cannot open the store ${FILE}: connection refused — check that Postgres runs there and store.postgres points at it`],
    ["no such database", err('database "x" does not exist', "3D000"), `cannot open the store ${FILE}: the database does not exist — create it (createdb) or fix the database name in store.postgres`],
    ["the secrets key's own error stays", err("cannot read the secrets key /d/master.key: EACCES: permission denied"), null],
    ["a wrong key stays", err("the secrets key from HOOKGATE_MASTER_KEY does not open this store's endpoint secrets: ..."), null],
  ];
  for (const [name, error, expected] of cases) test(name, () => expect(storeOpenFailure(error, FILE)).toBe(expected));
});

test("storeLabel names the file, or the Postgres server and database without credentials", () => {
  expect(storeLabel({ sqlite: FILE } as never)).toBe(FILE);
  expect(storeLabel({ postgres: "postgres://hg:secret@db.internal:5433/hookgate?sslmode=require" } as never)).toBe("postgres://db.internal:5433/hookgate");
});

test("StoreWrites: ok until a write fails, the failure with its fix, ok again after a write succeeds", () => {
  const writes = new StoreWrites(FILE);
  expect(writes.status).toBe("ok");
  writes.failed(err("database or disk is full", "SQLITE_FULL"));
  expect(writes.status).toBe(`error: database or disk is full — free space on the disk that holds ${FILE}`);
  writes.failed(err("something else"));
  expect(writes.status).toBe(`error: ${FILE}: something else`);
  writes.succeeded();
  expect(writes.status).toBe("ok");
});
