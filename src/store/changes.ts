import type { Kysely } from "kysely";
import type { Logger } from "../core/logger.ts";
import { PgConnection } from "../plugin-api/index.ts";
import type { MetaTable } from "./meta.ts";
import type { DB } from "./schema.ts";

/** The store's change log (migration 007): what changed, in commit order. */
export interface Change { version: number; kind: "endpoint"; id: string }
interface ChangesTable { version: number; kind: "endpoint"; id: string }

/** The Postgres channel a committed change is announced on, with `<kind>:<id>` as the payload. */
export const CHANGES_CHANNEL = "hookgate_changes";

/** Reads the change log: the counter (one row, every second on every process) and the changes past a version. */
export class ChangeQueries {
  constructor(private readonly db: Kysely<DB>) {}

  private get log() { return this.db.withTables<{ meta: MetaTable; changes: ChangesTable }>(); }

  /** How many changes the store has seen: a process that saw fewer has some to catch up on. */
  async version(): Promise<number> {
    const row = await this.log.selectFrom("meta").select("value").where("key", "=", "changes").executeTakeFirst();
    return Number(row?.value ?? 0);
  }

  /** The changes after `version`, oldest first; null when the log no longer reaches back that far (reload everything). */
  async since(version: number, limit: number): Promise<Change[] | null> {
    const rows = await this.log.selectFrom("changes").selectAll().where("version", ">", version).orderBy("version").limit(limit + 1).execute();
    // Versions have no gaps: one past `version` missing means the log was pruned past it.
    if (rows.length > limit || (rows[0] && Number(rows[0].version) !== version + 1)) return null;
    return rows.map((r) => ({ version: Number(r.version), kind: r.kind, id: r.id }));
  }
}

export interface ChangeListener { close(): Promise<void> }

/**
 * LISTEN on the store's change channel over a connection of its own (a pool's connection would be handed to other
 * queries). When it drops it is opened again with a backoff, up to 5 s apart; `onChange` runs for each
 * notification and, with no payload, after every (re)connect, since notifications sent meanwhile are lost.
 */
export function listenForChanges(url: string, onChange: (payload: string | null) => void, log: Pick<Logger, "warn" | "info">): ChangeListener {
  const connection = new PgConnection({
    url, name: "hookgate:changes", retry: { baseMs: 100, maxMs: 5_000 },
    ready: async (client) => { await client.query(`LISTEN ${CHANGES_CHANNEL}`); },
    connected: (_client, { outage }) => {
      if (outage) log.info("the change listener is connected again", {});
      onChange(null);
    },
    lost: (error) => log.warn("the change listener lost its Postgres connection; reconnecting (changes are polled every second meanwhile)", { error: error.message }),
    notified: (n) => { if (n.channel === CHANGES_CHANNEL) onChange(n.payload ?? null); },
  });
  connection.open();
  return { close: () => connection.close() };
}
