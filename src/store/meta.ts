import type { Kysely } from "kysely";
import type { DB } from "./schema.ts";

export interface MetaTable {
  key: string;
  value: string;
}

const meta = (db: Kysely<DB>) => db.withTables<{ meta: MetaTable }>();

export async function getMeta(db: Kysely<DB>, key: string): Promise<string | null> {
  const row = await meta(db).selectFrom("meta").select("value").where("key", "=", key).executeTakeFirst();
  return row?.value ?? null;
}

/** Writes the value unless one is there already (two processes starting at once keep the first). */
export async function setMetaIfAbsent(db: Kysely<DB>, key: string, value: string): Promise<void> {
  await meta(db).insertInto("meta").values({ key, value }).onConflict((oc) => oc.column("key").doNothing()).execute();
}

/** Writes the value, replacing the one there. */
export async function setMeta(db: Kysely<DB>, key: string, value: string): Promise<void> {
  await meta(db).insertInto("meta").values({ key, value }).onConflict((oc) => oc.column("key").doUpdateSet({ value })).execute();
}
