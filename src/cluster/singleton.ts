import { createHash } from "node:crypto";
import type pg from "pg";
import { PgConnection, type Logger } from "../plugin-api/index.ts";
import { newSelf, type Self } from "./process.ts";

/** What runs on one process at a time: started when this process takes its lock, stopped when it loses it. */
export interface Work {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export interface Lease {
  /** Whether this process holds the lock (and so runs the work) now. */
  readonly held: boolean;
  /** Stops the work if it runs and gives the lock up (a reload that removes or restarts a source). */
  release(): Promise<void>;
}

/** Runs each piece of work on one process of the cluster at a time (Postgres), or simply here (SQLite). */
export interface RunOnce {
  /** Several processes may share the store (Postgres): the locks are real. */
  readonly cluster: boolean;
  /** This process: its id is the holder recorded for a run-once source. */
  readonly self: Self;
  /** Runs `work` under the lock named `hookgate:<kind>:<id>` whenever this process holds it. */
  hold(name: string, work: Work): Lease;
  /** Of these lock names, those some process holds now; null when that cannot be known (no connection). */
  held(names: readonly string[]): Promise<Set<string> | null>;
  /** Stops every work and gives every lock up. */
  close(): Promise<void>;
}

/** The advisory lock key of a name: the first 8 bytes of its SHA-256, a stable signed bigint (as text for pg). */
export function lockKey(name: string): string {
  return createHash("sha256").update(name).digest().readBigInt64BE(0).toString();
}

/** SQLite is one process: everything runs here, at once, with no lock. */
export function localRunOnce(self: Self = newSelf()): RunOnce {
  const works = new Map<string, Work>();
  return {
    cluster: false,
    self,
    hold(name, work) {
      works.set(name, work);
      void Promise.resolve().then(() => work.start());
      return { held: true, release: async () => { if (works.get(name) === work) works.delete(name); await work.stop(); } };
    },
    held: async (names) => new Set(names.filter((n) => works.has(n))),
    async close() {
      for (const work of works.values()) await work.stop();
      works.clear();
    },
  };
}

interface Holding {
  name: string;
  key: string;
  work: Work;
  held: boolean;
  released: boolean;
  /** start and stop in the order they were asked for. */
  chain: Promise<void>;
}

export interface PgRunOnceOptions {
  url: string;
  log: Pick<Logger, "info" | "warn" | "error">;
  /** How often a process that holds no lock tries again (and the connection is checked). */
  retryMs?: number;
  /** This process (Members.self): a new id when not given. */
  self?: Self;
}

/**
 * Session advisory locks (pg_try_advisory_lock) on one connection of this process's own. Postgres frees them
 * when the connection ends, so a killed process's work moves to another at its next try. A lost connection is a
 * lost lock: every work stops at once, and the connection is made again.
 */
export class PgRunOnce implements RunOnce {
  readonly cluster = true;
  readonly self: Self;
  private readonly holdings = new Set<Holding>();
  private readonly connection: PgConnection;
  private readonly retryMs: number;
  private readonly timer: Timer;
  private trying: Promise<void> | null = null;
  private closed = false;
  private failing = false;
  /** When the connection was last lost: for one retry interval the other processes try first (below). */
  private lostAt = 0;

  constructor(private readonly options: PgRunOnceOptions) {
    this.self = options.self ?? newSelf();
    this.retryMs = options.retryMs ?? 3_000;
    // Made again after about one retry interval, as a try would: the locks it lost are the others' to take meanwhile.
    this.connection = new PgConnection({
      url: options.url, name: "hookgate:locks", retry: { baseMs: this.retryMs, maxMs: this.retryMs },
      settings: { connectionTimeoutMillis: 5_000, query_timeout: 5_000, keepAlive: true },
      connected: () => {
        if (this.failing) this.options.log.info("the lock connection to Postgres is back", {});
        this.failing = false;
        void this.tryAll();
      },
      lost: (error, { wasConnected }) => {
        if (!wasConnected) return; // said by `failed`
        this.lostAt = Date.now();
        if (!this.failing) this.options.log.warn("lost the lock connection to Postgres: the work it held stops here", { error: error.message });
        this.loseAll();
      },
      failed: (error) => {
        if (!this.failing) this.options.log.warn("cannot reach Postgres for the run-once locks; trying again", { error: error.message });
        this.failing = true;
      },
    });
    this.timer = setInterval(() => void this.tryAll(), this.retryMs);
  }

  hold(name: string, work: Work): Lease {
    const h: Holding = { name, key: lockKey(name), work, held: false, released: false, chain: Promise.resolve() };
    this.holdings.add(h);
    this.connection.open();
    void this.tryAll();
    return {
      get held() { return h.held; },
      release: async () => {
        h.released = true;
        this.holdings.delete(h);
        if (!h.held) return;
        this.lose(h);
        await h.chain;
        await this.connection.client?.query("SELECT pg_advisory_unlock($1::bigint)", [h.key]).catch(() => {});
      },
    };
  }

  async held(names: readonly string[]): Promise<Set<string> | null> {
    this.connection.open();
    const client = this.connection.client;
    if (!client) return null;
    try {
      const { rows } = await client.query<{ key: string }>(
        `SELECT ((classid::bigint << 32) | objid::bigint)::text AS key FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      const keys = new Set(rows.map((r) => r.key));
      return new Set(names.filter((n) => keys.has(lockKey(n))));
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.trying;
    for (const h of this.holdings) { h.released = true; if (h.held) this.lose(h); }
    await Promise.all([...this.holdings].map((h) => h.chain));
    this.holdings.clear();
    await this.connection.close(); // ending the session frees its locks
  }

  /** One pass: try each lock not held (or just check the connection). */
  private tryAll(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.trying ??= this.pass().finally(() => { this.trying = null; });
    return this.trying;
  }

  private async pass(): Promise<void> {
    const client = this.connection.client;
    if (!client) return; // being made again: `connected` tries
    // The locks this process lost with its connection go to a process that kept its own: it waits one interval.
    const yielding = Date.now() - this.lostAt < this.retryMs;
    try {
      const waiting = yielding ? [] : [...this.holdings].filter((h) => !h.held);
      if (waiting.length === 0) await client.query("SELECT 1");
      for (const h of waiting) {
        const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS ok", [h.key]);
        if (!rows[0]?.ok) continue;
        if (h.released || this.closed || client !== this.connection.client) {
          await client.query("SELECT pg_advisory_unlock($1::bigint)", [h.key]).catch(() => {});
          continue;
        }
        h.held = true;
        this.options.log.info("took the lock: running here", { lock: h.name });
        h.chain = h.chain.then(() => h.work.start()).catch((e) => this.options.log.error("work failed to start", { lock: h.name, error: String(e) }));
      }
    } catch (e) {
      if (client !== this.connection.client) return; // lost meanwhile: said by `lost`
      // A query with no answer (a frozen server): the connection counts as lost, with its locks.
      if (!this.failing) this.options.log.warn("cannot reach Postgres for the run-once locks; trying again", { error: (e as Error).message });
      this.failing = true;
      this.connection.drop(e as Error);
    }
  }

  /** Whatever happened to the connection, its locks are gone (or will be when it closes): stop their work now. */
  private loseAll(): void {
    for (const h of this.holdings) if (h.held) this.lose(h);
  }

  private lose(h: Holding): void {
    h.held = false;
    h.chain = h.chain.then(() => h.work.stop()).catch((e) => this.options.log.error("work failed to stop", { lock: h.name, error: String(e) }));
  }
}
