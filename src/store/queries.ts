import type { Kysely } from "kysely";
import type { DB } from "./schema.ts";
import type { SourceCursorWrite } from "./types.ts";

/** Upserts a source's cursor (in ingest's transaction, or alone). */
export async function writeCursor(db: Kysely<DB>, c: SourceCursorWrite): Promise<void> {
  const cursor = JSON.stringify(c.cursor ?? null);
  await db.insertInto("source_state").values({ id: c.id, cursor, status: "running", last_error: null, updated_at: Date.now() })
    .onConflict((oc) => oc.column("id").doUpdateSet({ cursor, updated_at: Date.now() })).execute();
}

/** Records tenants by id (a tenant exists once anything names it), keeping a row that is there: what a PUT set stays. */
export function noteTenants(db: Kysely<DB>, ids: readonly string[], now: number) {
  return db.insertInto("tenants").values(ids.map((id) => ({ id, name: null, metadata: null, created_at: now, updated_at: now })))
    .onConflict((oc) => oc.column("id").doNothing());
}
