import pg from "pg";
import { backoff, sleep, type SourceContext } from "../../src/plugin-api/index.ts";
import { quoteName } from "./options.ts";

export interface ListenerHooks {
  /** Runs on each new connection after LISTEN, before it is used (e.g. check the table). */
  ready?(client: pg.Client): Promise<void>;
  /** After a new connection is in place (at start and after every reconnect): catch up. */
  connected(): void;
  notified(message: pg.Notification): void;
}

/**
 * One LISTEN connection per source, named `hookgate:<source id>` in pg_stat_activity. A lost
 * connection is reported and re-made with backoff until `stop`.
 */
export class Listener {
  client: pg.Client | null = null;
  private stopped = true;
  private halt = new AbortController();

  constructor(private readonly url: string, private readonly channel: string, private readonly ctx: SourceContext, private readonly hooks: ListenerHooks) {}

  /** Connects once; throws when it cannot (the gateway retries `start` with backoff). */
  async start(): Promise<void> {
    this.stopped = false;
    this.halt = new AbortController();
    await this.connect();
    if (this.client) this.hooks.connected();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.halt.abort();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.url,
      application_name: `hookgate:${this.ctx.id}`,
      connectionTimeoutMillis: 10_000,
      query_timeout: 60_000,
      keepAlive: true,
    });
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client, new Error("the connection was closed")));
    client.on("notification", (message) => { if (client === this.client) this.hooks.notified(message); });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteName(this.channel)}`);
      await this.hooks.ready?.(client);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.stopped) { await client.end().catch(() => {}); return; }
    this.client = client;
  }

  private lost(client: pg.Client, error: Error): void {
    if (client !== this.client || this.stopped) return;
    this.client = null;
    void client.end().catch(() => {});
    this.ctx.report("reconnecting", `lost the connection to Postgres: ${error.message}`);
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      await sleep(backoff(attempt, 200, 30_000), this.halt.signal);
      if (this.stopped) return;
      try {
        await this.connect();
        if (this.stopped) return;
        this.ctx.log.info("reconnected to Postgres", { attempt: attempt + 1 });
        this.ctx.report("running");
        this.hooks.connected();
        return;
      } catch (error) {
        this.ctx.report("reconnecting", `cannot reconnect to Postgres: ${(error as Error).message}`);
      }
    }
  }
}
