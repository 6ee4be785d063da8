import { Database } from "bun:sqlite";
import { existsSync, statSync, unlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { LoadedConfig } from "../config/load.ts";
import { dataDirOf } from "../secrets/index.ts";
import { KEY_FILE } from "../secrets/key.ts";
import { createPrivateFile, makePrivateDir } from "../store/private-files.ts";
import { storeLabel } from "../store/store-errors.ts";

/**
 * `hookgate backup --to FILE`: a consistent copy of the SQLite store, taken with VACUUM INTO on a connection of its
 * own, a reader in WAL mode, so it runs beside `serve` (it needs no store lock, and ingest keeps its turn). The copy
 * is a complete store (0600, no WAL to go with it): `serve` starts on it as it is, given the same secrets key.
 * Returns the lines to print; throws the one-line reason.
 */
export function backup(loaded: LoadedConfig, to: string, env: Record<string, string | undefined> = process.env): string[] {
  const { store } = loaded.config;
  if (store.postgres) {
    throw new Error(`the store is Postgres (${storeLabel(store)}): back it up with pg_dump (pg_dump -Fc "$DATABASE_URL" > hookgate.dump; restore with pg_restore), and keep the secrets key (HOOKGATE_MASTER_KEY) with it`);
  }
  const file = store.sqlite ?? "./data/hookgate.db";
  if (file === ":memory:") throw new Error("the store is in memory (store.sqlite: \":memory:\"): there is nothing on disk to back up");
  if (!existsSync(file)) throw new Error(`no store at ${file}: nothing to back up (is --config the gateway's config?)`);
  const target = resolve(to);
  if (target === resolve(file)) throw new Error(`--to ${to} is the store itself: name a new file`);
  makePrivateDir(dirname(target));
  // VACUUM INTO writes into an empty file: made here 0600, so the copy is as private as the store.
  if (!createPrivateFile(target)) throw new Error(`${target} exists: hookgate backup never overwrites a file (name a new one)`);
  const db = new Database(file, { readwrite: true, create: false });
  try {
    db.exec("PRAGMA busy_timeout = 10000");
    db.query("VACUUM INTO ?").run(target);
  } catch (e) {
    try { unlinkSync(target); } catch { /* nothing was written */ }
    throw new Error(`cannot back up ${file}: ${(e as Error).message}`);
  } finally {
    db.close();
  }
  const size = (statSync(target).size / 1024 / 1024).toFixed(1);
  return [`backed up ${file} to ${target} (${eventsIn(target)} events, ${size} MiB)`, keyReminder(loaded, env)];
}

function eventsIn(file: string): number | string {
  const copy = new Database(file, { readonly: true });
  try { return copy.query<{ n: number }, []>("SELECT count(*) AS n FROM events").get()?.n ?? 0; } catch { return "no"; } finally { copy.close(); }
}

/** Without the key the copy's endpoint secrets cannot be read: say where it is and where it must go. */
function keyReminder(loaded: LoadedConfig, env: Record<string, string | undefined>): string {
  const key = env.HOOKGATE_MASTER_KEY ? "HOOKGATE_MASTER_KEY" : join(dataDirOf(loaded.config.store), KEY_FILE);
  return `the endpoint secrets in the copy are encrypted with the secrets key ${key}: keep it with the backup. `
    + `To restore, put both back (the key as ${KEY_FILE} beside the store file, or in HOOKGATE_MASTER_KEY); without the key the copy does not start`;
}
