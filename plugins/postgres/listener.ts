import type pg from "pg";
import { PgConnection, type SourceContext } from "../../src/plugin-api/index.ts";
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
  private readonly connection: PgConnection;

  constructor(url: string, channel: string, ctx: SourceContext, hooks: ListenerHooks) {
    this.connection = new PgConnection({
      url, name: `hookgate:${ctx.id}`, retry: { baseMs: 200, maxMs: 30_000 },
      settings: { connectionTimeoutMillis: 10_000, query_timeout: 60_000, keepAlive: true },
      ready: async (client) => {
        await client.query(`LISTEN ${quoteName(channel)}`);
        await hooks.ready?.(client);
      },
      connected: (_client, { outage, attempt }) => {
        if (outage) {
          ctx.log.info("reconnected to Postgres", { attempt });
          ctx.report("running");
        }
        hooks.connected();
      },
      lost: (error, { wasConnected }) => { if (wasConnected) ctx.report("reconnecting", `lost the connection to Postgres: ${error.message}`); },
      failed: (error) => ctx.report("reconnecting", `cannot reconnect to Postgres: ${error.message}`),
      notified: (message) => hooks.notified(message),
    });
  }

  /** The connection in place, or null while it is made again. */
  get client(): pg.Client | null { return this.connection.client; }

  /** Connects once; throws when it cannot (the gateway retries `start` with backoff). */
  start(): Promise<void> { return this.connection.connect(); }

  stop(): Promise<void> { return this.connection.close(); }
}
