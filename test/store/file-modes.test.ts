import { Database } from "bun:sqlite";
import { afterEach, beforeEach, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { baseConfig, startTestApp } from "../support/app.ts";

// Servers and SQLite on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

/**
 * Events, headers and response bodies are in the data folder: other local users must not read them,
 * whatever the umask of the shell that started hookgate.
 */
let root: string;
let savedUmask: number;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "hookgate-modes-"));
  savedUmask = process.umask(0); // the most permissive umask: modes must not depend on it
});
afterEach(() => { process.umask(savedUmask); rmSync(root, { recursive: true, force: true }); });

const mode = (path: string) => statSync(path).mode & 0o777;

test("a fresh data folder is 0700 and the database, its WAL, its shared memory and the key file are 0600", async () => {
  const data = join(root, "var", "data");
  const app = await startTestApp(baseConfig({ store: { sqlite: join(data, "hookgate.db") } }), { dir: root });
  try {
    await app.post({ type: "a.b", data: {} }); // a write, so the WAL is in use
    expect(mode(join(root, "var"))).toBe(0o700); // every folder hookgate made
    expect(mode(data)).toBe(0o700);
    for (const file of ["hookgate.db", "hookgate.db-wal", "hookgate.db-shm", "hookgate.db.lock", "master.key"]) {
      expect(existsSync(join(data, file))).toBe(true);
      expect({ file, mode: mode(join(data, file)).toString(8) }).toEqual({ file, mode: "600" });
    }
  } finally {
    await app.close();
  }
});

test("a folder ops made keeps its mode; the files hookgate makes in it are still 0600", async () => {
  const data = join(root, "ops-data");
  mkdirSync(data);
  chmodSync(data, 0o750);
  const app = await startTestApp(baseConfig({ store: { sqlite: join(data, "hookgate.db") } }), { dir: root });
  try {
    expect(mode(data)).toBe(0o750);
    for (const file of ["hookgate.db", "hookgate.db-wal", "hookgate.db-shm", "master.key"]) expect({ file, mode: mode(join(data, file)).toString(8) }).toEqual({ file, mode: "600" });
  } finally {
    await app.close();
  }
});

test("a store an older build left 0644 (the database, its WAL and shared memory) is 0600 after the upgrade's start", async () => {
  const data = join(root, "data");
  mkdirSync(data);
  const file = join(data, "hookgate.db");
  // An older build: SQLite's own 0644 under a permissive umask, and a connection still open, so -wal and -shm exist.
  const old = new Database(file, { create: true });
  old.exec("PRAGMA journal_mode = WAL");
  old.exec("CREATE TABLE leftover (x); INSERT INTO leftover VALUES (1)");
  for (const name of ["hookgate.db", "hookgate.db-wal", "hookgate.db-shm"]) expect(mode(join(data, name))).toBe(0o644);
  const app = await startTestApp(baseConfig({ store: { sqlite: file } }), { dir: root });
  try {
    for (const name of ["hookgate.db", "hookgate.db-wal", "hookgate.db-shm"]) expect({ name, mode: mode(join(data, name)).toString(8) }).toEqual({ name, mode: "600" });
  } finally {
    await app.close();
    old.close();
  }
});
