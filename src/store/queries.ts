import { sql, type Kysely } from "kysely";
import type { DB } from "./schema.ts";
import type { SourceCursorWrite } from "./types.ts";

/** `max(leases, attempts)`: a lease count never below the attempts recorded (rows from before leases were counted). */
export const LEASED = sql<number>`CASE WHEN leases > attempts THEN leases ELSE attempts END`;

/** Upserts a source's cursor (in ingest's transaction, or alone). */
export async function writeCursor(db: Kysely<DB>, c: SourceCursorWrite): Promise<void> {
  const cursor = JSON.stringify(c.cursor ?? null);
  await db.insertInto("source_state").values({ id: c.id, cursor, status: "running", last_error: null, updated_at: Date.now() })
    .onConflict((oc) => oc.column("id").doUpdateSet({ cursor, updated_at: Date.now() })).execute();
}
