import type { StoreConfig } from "./options.ts";
import { StoreInUseError } from "./store-lock.ts";
import { StoreTooNewError } from "./store.ts";

/** What a store failure means for an operator, and what to do about it. */
interface Known { reason: string; fix: (it: string) => string }

/**
 * By SQLite result code, errno or Postgres SQLSTATE. A message pattern (SQLite's own wording only) catches errors that
 * lost their code in a wrapper (the migrator's); an error of the secrets key file keeps its own message.
 */
const KNOWN: { codes: string[]; message?: RegExp; known: Known }[] = [
  { codes: ["SQLITE_FULL", "ENOSPC"], message: /database or disk is full/i,
    known: { reason: "database or disk is full", fix: (it) => `free space on the disk that holds ${it}` } },
  { codes: ["SQLITE_READONLY", "EACCES", "EPERM", "EROFS"], message: /readonly database/i,
    known: { reason: "it cannot be written", fix: (it) => `make ${it} and its folder writable by the user hookgate runs as` } },
  { codes: ["SQLITE_CANTOPEN"], message: /unable to open database file/i,
    known: { reason: "unable to open the database file", fix: () => "check that its folder exists and is writable by the user hookgate runs as (store.sqlite)" } },
  { codes: ["SQLITE_CORRUPT", "SQLITE_NOTADB"], message: /malformed|not a database/i,
    known: { reason: "the file is damaged or not a SQLite database", fix: (it) => `restore ${it} from a backup, or point store.sqlite at another file` } },
  { codes: ["SQLITE_BUSY", "SQLITE_LOCKED"], message: /database is locked/i,
    known: { reason: "another process holds the database locked", fix: () => "stop the other process that uses this store file" } },
  { codes: ["ECONNREFUSED"], known: { reason: "connection refused", fix: () => "check that Postgres runs there and store.postgres points at it" } },
  { codes: ["ENOTFOUND", "EAI_AGAIN"], known: { reason: "the host name does not resolve", fix: () => "fix the host in store.postgres" } },
  { codes: ["28P01", "28000"], known: { reason: "Postgres refused the login", fix: () => "fix the user and password in store.postgres" } },
  { codes: ["3D000"], known: { reason: "the database does not exist", fix: () => "create it (createdb) or fix the database name in store.postgres" } },
];

function lookup(error: unknown): Known | null {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : String(error);
  return KNOWN.find((k) => k.codes.includes(code) || (k.message?.test(message) ?? false))?.known ?? null;
}

/** The store as an operator names it: the SQLite file, or the Postgres server and database without credentials. */
export function storeLabel(store: StoreConfig): string {
  if (!store.postgres) return store.sqlite ?? "./data/hookgate.db";
  try {
    const url = new URL(store.postgres);
    return `postgres://${url.host}${url.pathname}`;
  } catch {
    return "the Postgres store";
  }
}

/**
 * The one line `serve` exits with when the store cannot be opened, e.g. `cannot open the store
 * /var/lib/hookgate/hookgate.db: database or disk is full — free space on the disk that holds it`;
 * null for an error that is not the store's (a wrong master key says so itself). A store another process holds, or
 * one a newer hookgate migrated, says so with both sides named.
 */
export function storeOpenFailure(error: unknown, label: string): string | null {
  if (error instanceof StoreInUseError) return error.message;
  if (error instanceof StoreTooNewError) return `cannot open the store ${label}: ${error.message}`;
  const known = lookup(error);
  return known ? `cannot open the store ${label}: ${known.reason} — ${known.fix("it")}` : null;
}

/** What /healthz says about the store: "ok", or the last write failure with its fix (no write per health check). */
export class StoreWrites {
  private last: string | null = null;

  constructor(private readonly label: string) {}

  succeeded(): void {
    this.last = null;
  }

  failed(error: unknown): void {
    const known = lookup(error);
    this.last = known ? `${known.reason} — ${known.fix(this.label)}` : `${this.label}: ${error instanceof Error ? error.message : String(error)}`;
  }

  get status(): string {
    return this.last === null ? "ok" : `error: ${this.last}`;
  }
}
