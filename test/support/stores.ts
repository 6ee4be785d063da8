import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/store/open.ts";
import type { Store } from "../../src/store/types.ts";
import { createDatabase, skipPg } from "./pg.ts";

/** One suite, run against every store (the kysely habit): SQLite and Postgres must behave alike. */
export const STORES: { name: string; skip: boolean; open(): Promise<{ store: Store; cleanup(): Promise<void> }> }[] = [
  {
    name: "sqlite", skip: false,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), "hookgate-store-"));
      const store = openStore({ sqlite: join(dir, "s.db"), retention: "30d", synchronous: "full" });
      return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: "postgres", skip: skipPg,
    async open() {
      const db = await createDatabase();
      const store = openStore({ postgres: db.url, retention: "30d", synchronous: "full" });
      return { store, cleanup: () => db.drop() };
    },
  },
];
