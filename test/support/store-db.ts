import type { Kysely } from "kysely";
import type { DB } from "../../src/store/schema.ts";
import { KyselyStore } from "../../src/store/store.ts";
import type { Store } from "../../src/store/types.ts";

/** The store's own connection, for a test's checks on rows the Store interface does not read. */
export function dbOf(store: Store): Kysely<DB> {
  if (!(store instanceof KyselyStore)) throw new Error("dbOf: not a KyselyStore");
  return store.db;
}
