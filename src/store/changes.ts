import type { Kysely } from "kysely";
import pg from "pg";
import type { Logger } from "../plugin-api/index.ts";
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
  let client: pg.Client | null = null;
  let closed = false;
  let delay = 100;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let down = false;

  const connect = async () => {
    timer = null;
    const current = new pg.Client({ connectionString: url, application_name: "hookgate:changes" });
    client = current;
    let lost = false;
    const drop = (error?: Error) => {
      if (lost || closed) return;
      lost = true;
      if (!down) log.warn("the change listener lost its Postgres connection; reconnecting (changes are polled every second meanwhile)", { error: error?.message ?? "ended" });
      down = true;
      current.removeAllListeners("notification");
      void current.end().catch(() => {});
      timer = setTimeout(() => void connect(), delay);
      delay = Math.min(delay * 2, 5_000);
    };
    // An `error` event with no listener would end the process.
    current.on("error", drop);
    current.on("end", () => drop());
    current.on("notification", (n) => { if (n.channel === CHANGES_CHANNEL) onChange(n.payload ?? null); });
    try {
      await current.connect();
      await current.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (e) {
      drop(e as Error);
      return;
    }
    if (closed) { await current.end().catch(() => {}); return; }
    if (down) log.info("the change listener is connected again", {});
    down = false;
    delay = 100;
    onChange(null);
  };
  void connect();

  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
