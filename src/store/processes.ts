import { sql, type Kysely, type RawBuilder } from "kysely";
import type { DB, ProcessRow } from "./schema.ts";
import type { Dialect } from "./types.ts";

/**
 * The processes' heartbeat rows. Times come from one clock, the database's on Postgres (processes on several
 * hosts compare heartbeats written by each other), the process's own on SQLite (there is only one process).
 */
export class ProcessQueries {
  constructor(private readonly db: Kysely<DB>, private readonly dialect: Dialect) {}

  private now(): RawBuilder<number> {
    return this.dialect === "postgres" ? sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint` : sql<number>`${Date.now()}`;
  }

  /**
   * Writes this process's heartbeat (its row is made again if another process dropped it as stale), deletes the
   * rows whose heartbeat is older than `staleMs`, and returns the live processes by id.
   */
  async beat(self: Pick<ProcessRow, "id" | "host" | "pid" | "started_at">, staleMs: number): Promise<ProcessRow[]> {
    await this.db.insertInto("processes").values({ ...self, heartbeat_at: this.now() })
      .onConflict((oc) => oc.column("id").doUpdateSet({ heartbeat_at: this.now() })).execute();
    await this.db.deleteFrom("processes").where("heartbeat_at", "<", sql<number>`${this.now()} - ${staleMs}`).execute();
    return this.db.selectFrom("processes").selectAll().orderBy("id").execute();
  }

  /** The processes with a heartbeat row (GET /sources names a source's holder by where it runs). */
  live(): Promise<Pick<ProcessRow, "id" | "host" | "pid">[]> {
    return this.db.selectFrom("processes").select(["id", "host", "pid"]).execute();
  }

  /** A clean stop: the others take over this process's share at their next heartbeat. */
  async leave(id: string): Promise<void> {
    await this.db.deleteFrom("processes").where("id", "=", id).execute();
  }
}
