import type { Logger } from "../core/logger.ts";
import { backoff } from "../plugin-api/index.ts";

/** Errno codes and Postgres SQLSTATEs that mean the server is out of reach, not that it refused this one statement. */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "ENOTFOUND", "EAI_AGAIN",
  "57P01", "57P02", "57P03", // admin_shutdown (a fast stop or restart), crash_shutdown, cannot_connect_now (starting up)
  "08000", "08001", "08003", "08004", "08006", // connection exceptions
]);
/**
 * node-postgres' own words for a connection that died or never came ("Connection terminated due to connection
 * timeout" included), which carry no code. Not pg-pool's "timeout exceeded when trying to connect": that one also
 * means every pooled connection was busy for the whole wait (a loaded store, not a lost one).
 */
const UNREACHABLE_MESSAGES = /connection terminated|connection error|not queryable|the database system is (starting up|shutting down)|connection closed/i;

export function isUnreachable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === "string" && UNREACHABLE_CODES.has(e.code)) return true;
  return UNREACHABLE_MESSAGES.test(typeof e?.message === "string" ? e.message : String(error));
}

/**
 * The connection a statement ran on died under it (the server ended it: pg_terminate_backend, a restart; or it
 * broke), as opposed to a connect that failed (a server that is down: `isUnreachable` covers both).
 */
export function isConnectionLost(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === "string") return ["57P01", "57P02", "ECONNRESET", "EPIPE"].includes(e.code);
  const message = typeof e?.message === "string" ? e.message : String(error);
  return /connection terminated unexpectedly|not queryable|connection closed/i.test(message);
}

/** node-postgres refused the statement without writing it: its connection had already died (nothing reached the server). */
export function neverSent(error: unknown): boolean {
  return /not queryable/i.test(error instanceof Error ? error.message : String(error));
}

/** The first probe after the store went away waits this long; each next one doubles (`backoff`), up to the longest. */
const PROBE_FIRST_MS = 250;
const PROBE_LONGEST_MS = 1_000;
/**
 * A store query with no answer for this long makes the link try the server: a frozen or cut-off server fails
 * nothing, it just never answers (a slow but live server passes the probe, and nothing is said).
 */
const SLOW_MS = 2_000;

/** Who else learns of it: the store's write status (/healthz, /readyz) follows the link. */
export interface LinkWatcher {
  failed(error: unknown): void;
  succeeded(): void;
}

/**
 * Whether the Postgres store can be reached. A failed connect (or a probe after a connection died) marks it lost;
 * from then on a probe with backoff (a new connection and SELECT 1) marks it back: only the probe, since while
 * Postgres shuts down an old connection may still answer while new ones are refused. It says so once each way,
 * at `error` and at `info`, instead of a line per failing request.
 */
export class StoreLink {
  private lostAt: number | null = null;
  private probeTimer: Timer | null = null;
  /** Probes that failed in this outage. */
  private probes = 0;
  private armed = false;
  private probe: (() => Promise<unknown>) | null = null;
  private oldestQuery: () => number | null = () => null;
  private watchdog: Timer | null = null;
  private checking: Promise<boolean> | null = null;
  private checkedAt = 0;

  constructor(
    private readonly label: string,
    private readonly log: Pick<Logger, "error" | "info">,
    private readonly watcher?: LinkWatcher,
  ) {}

  /** Set by the store: resolves when the server takes a new connection and answers on it. */
  probeWith(probe: () => Promise<unknown>): void { this.probe = probe; }

  /** Set by the store: since when its oldest unanswered query waits (null: none waits). */
  watchQueries(oldest: () => number | null): void { this.oldestQuery = oldest; }

  /** From the end of the start on: failures before it stop the start and say so themselves. */
  arm(): void {
    this.armed = true;
    // At most one check per SLOW_MS while a long query runs (a purge of a big table is slow, not lost).
    this.watchdog ??= setInterval(() => {
      const since = this.oldestQuery();
      const now = Date.now();
      if (since !== null && now - since > SLOW_MS && now - this.checkedAt > SLOW_MS) { this.checkedAt = now; void this.check(); }
    }, 500);
    this.watchdog.unref();
  }

  /** Disarms and stops probing (the store is closing). */
  close(): void {
    this.armed = false;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    this.probeTimer = this.watchdog = null;
  }

  /**
   * Tries the server once now (a connection died, or a query waits too long): true when it answered; when it did
   * not, the store is lost. One check at a time; none while the store is already lost (the probe runs then).
   */
  check(): Promise<boolean> {
    if (!this.probe || !this.armed || this.lostAt !== null) return Promise.resolve(false);
    this.checking ??= this.probe().then(() => true, (e: unknown) => { this.failed(e); return false; })
      .finally(() => { this.checking = null; });
    return this.checking;
  }

  /** While the store is lost: ingest answers 503, deliveries pause. */
  get down(): boolean { return this.lostAt !== null; }

  /** A query or a connect failed; only an unreachable store counts. */
  failed(error: unknown): void {
    if (!this.armed || this.lostAt !== null || !isUnreachable(error)) return;
    this.lostAt = Date.now();
    this.log.error("the store is unreachable: ingest answers 503 and deliveries pause until it answers again", {
      store: this.label, error: error instanceof Error ? error.message : String(error),
    });
    this.watcher?.failed(error);
    this.probes = 0;
    this.schedule();
  }

  private answered(): void {
    if (this.lostAt === null) return;
    const downMs = Date.now() - this.lostAt;
    this.lostAt = null;
    if (this.probeTimer) { clearTimeout(this.probeTimer); this.probeTimer = null; }
    this.log.info("the store answers again: ingest and deliveries resume", { store: this.label, downMs });
    this.watcher?.succeeded();
  }

  private schedule(): void {
    if (this.probeTimer || !this.probe || !this.armed) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null;
      if (this.lostAt === null || !this.armed) return;
      this.probe!().then(() => this.answered(), () => {
        this.probes++;
        this.schedule();
      });
    }, backoff(this.probes, PROBE_FIRST_MS, PROBE_LONGEST_MS));
    this.probeTimer.unref();
  }
}
