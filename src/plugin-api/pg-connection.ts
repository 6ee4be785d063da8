import type pg from "pg";
import { backoff, sleep } from "./backoff.ts";
import { pgDriver } from "./pg-driver.ts";

export interface PgConnectionHooks {
  /** Runs on each new connection before it is handed out (LISTEN, a check); a throw fails that connect. */
  ready?(client: pg.Client): Promise<void>;
  /** The connection is in place: at the first connect, and after each outage (`outage`), on its `attempt`-th try. */
  connected?(client: pg.Client, after: { outage: boolean; attempt: number }): void;
  /**
   * Once per outage, as it begins: the connection ended (`error`, `end`, `drop`; `wasConnected`), or the first
   * connect of `open` failed. Not called again until a connection is back.
   */
  lost?(error: Error, how: { wasConnected: boolean }): void;
  /** Each connect that failed while the connection is made again (the one that began an outage included). */
  failed?(error: Error, attempt: number): void;
  /** A notification on the connection in place (after LISTEN in `ready`). */
  notified?(message: pg.Notification): void;
}

export interface PgConnectionOptions extends PgConnectionHooks {
  url: string;
  /** Its application_name: how pg_stat_activity (and an operator) tells hookgate's connections apart. */
  name: string;
  /** The wait before each new connect after a loss or a failure (`backoff`): doubling from `baseMs` to `maxMs`. */
  retry: { baseMs: number; maxMs: number };
  /** node-postgres settings: timeouts, keepAlive. */
  settings?: Pick<pg.ClientConfig, "connectionTimeoutMillis" | "query_timeout" | "keepAlive">;
}

/**
 * A Postgres connection of hookgate's own (LISTEN, session locks: what a pool would hand to other queries), kept
 * open: a lost one is reported once per outage and made again with `backoff` until `close`.
 */
export class PgConnection {
  private current: pg.Client | null = null;
  /** Aborted by `close`: ends a connect or a wait under way. Null while closed. */
  private run: AbortController | null = null;
  private outage = false;

  constructor(private readonly options: PgConnectionOptions) {}

  /** The connection in place (past `ready`), or null while there is none. */
  get client(): pg.Client | null { return this.current; }

  /** Connects once now; throws when it cannot (a lost connection later is made again until `close`). */
  async connect(): Promise<void> {
    await this.close();
    const run = this.begin();
    try {
      const client = await this.attempt(run.signal);
      if (client) this.up(client, 1);
    } catch (error) {
      if (this.run === run) this.run = null;
      throw error;
    }
  }

  /** Connects in the background, again after each failure, until `close`. Does nothing when already open. */
  open(): void {
    if (this.run) return;
    void this.keepTrying(this.begin().signal, false);
  }

  /** The caller found the connection broken (a query timed out): it counts as lost, and is made again. */
  drop(error: Error): void {
    if (this.current) this.lose(this.current, error);
  }

  /** Idempotent; `connect` or `open` may follow. */
  async close(): Promise<void> {
    this.run?.abort();
    this.run = null;
    const client = this.current;
    this.current = null;
    await client?.end().catch(() => {});
  }

  private begin(): AbortController {
    this.run?.abort();
    this.run = new AbortController();
    this.outage = false;
    return this.run;
  }

  private async keepTrying(signal: AbortSignal, waitFirst: boolean): Promise<void> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      if (waitFirst || attempt > 0) await sleep(backoff(waitFirst ? attempt : attempt - 1, this.options.retry.baseMs, this.options.retry.maxMs), signal);
      if (signal.aborted) return;
      try {
        const client = await this.attempt(signal);
        if (client) this.up(client, attempt + 1);
        return;
      } catch (error) {
        if (signal.aborted) return;
        if (!this.outage) { this.outage = true; this.options.lost?.(error as Error, { wasConnected: false }); }
        this.options.failed?.(error as Error, attempt);
      }
    }
  }

  /** One new connection, past `ready`; null when closed meanwhile. */
  private async attempt(signal: AbortSignal): Promise<pg.Client | null> {
    const client = new (pgDriver().Client)({ ...this.options.settings, connectionString: this.options.url, application_name: this.options.name });
    // An `error` event with no listener would end the process.
    client.on("error", (error) => this.lose(client, error));
    client.on("end", () => this.lose(client, new Error("the connection was closed")));
    client.on("notification", (message) => { if (client === this.current) this.options.notified?.(message); });
    try {
      await client.connect();
      await this.options.ready?.(client);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (signal.aborted) { await client.end().catch(() => {}); return null; }
    return client;
  }

  private up(client: pg.Client, attempt: number): void {
    const outage = this.outage;
    this.outage = false;
    this.current = client;
    this.options.connected?.(client, { outage, attempt });
  }

  private lose(client: pg.Client, error: Error): void {
    if (client !== this.current || !this.run) return;
    this.current = null;
    void client.end().catch(() => {});
    this.outage = true;
    this.options.lost?.(error, { wasConnected: true });
    void this.keepTrying(this.run.signal, true);
  }
}
