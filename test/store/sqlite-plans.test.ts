import { expect, test } from "bun:test";
import type { SQLQueryBindings } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/store/open.ts";
import { openSqlite } from "../../src/store/sqlite.ts";
import { hotStatements } from "../../src/store/hot-sql.ts";
import { PROMOTE_MANY } from "../../src/store/sqlite-hot.ts";

/** The plans SQLite prepares, one line per step, on a migrated store. */
async function withPlans(check: (plan: (sql: string, bindings: SQLQueryBindings[]) => string[]) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "hookgate-plans-"));
  try {
    const file = join(dir, "s.db");
    const store = openStore({ sqlite: file, retention: "30d", synchronous: "full" });
    await store.migrate();
    await store.close();
    const { raw, close } = openSqlite({ file, synchronous: "full" });
    try {
      check((sql, bindings) => (raw.db.query(`EXPLAIN QUERY PLAN ${sql}`).all(...bindings) as { detail: string }[]).map((r) => r.detail));
    } finally {
      raw.db.close();
      await close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The sweep's repair of ordered keys (`promoteStale`, every 10 s on SQLite's connection, on the event loop) reads the
 * waiting ordered deliveries through `deliveries_waiting`, a slice at a time, and each key's holder through
 * `deliveries_holder`: left to itself SQLite read every open delivery through `deliveries_status`, 40 ms per sweep
 * with 300,000 pending plain deliveries and growing with any backlog.
 */
test("the repair reads the waiting ordered deliveries in id order (deliveries_waiting), not every open one", async () => {
  await withPlans((plan) => {
    const { waitingSlice, promoteWaiting } = hotStatements("sqlite");
    const read = plan(waitingSlice.sql, waitingSlice.bind({ after: "", before: "dlv_z", limit: 10 }) as SQLQueryBindings[]);
    expect(read).toEqual(["SEARCH w USING INDEX deliveries_waiting (id>? AND id<?)"]);
    const promote = plan(promoteWaiting.sql, promoteWaiting.bind({ now: 1, ids: "[]" }) as SQLQueryBindings[]);
    expect(promote.some((d) => /SEARCH a USING (COVERING )?INDEX deliveries_holder \(endpoint_id=\? AND ordering_key=\?\)/.test(d))).toBe(true);
    expect(promote.filter((d) => /deliveries_key|^SCAN (deliveries|a)\b/.test(d))).toEqual([]);
  });
});

/**
 * A key's next (migration 013): the holder by one seek of `deliveries_holder`, the next from the one that ended by a
 * range of `deliveries_key` (endpoint, key, id > the ended one), the newest that held the key from the key's end;
 * no step reads an index that holds other keys' or plain deliveries.
 */
test("promoteMany seeks each key in deliveries_key and deliveries_holder", async () => {
  await withPlans((plan) => {
    const steps = plan(PROMOTE_MANY, [1, "[]"]);
    expect(steps.filter((d) => d.startsWith("SEARCH") || /^SCAN (w|h|a|deliveries)\b/.test(d))).toEqual([
      "SEARCH a USING INDEX deliveries_holder (endpoint_id=? AND ordering_key=?)",
      "SEARCH deliveries USING INDEX sqlite_autoindex_deliveries_1 (id=?)",
      "SEARCH w USING INDEX deliveries_key (endpoint_id=? AND ordering_key=? AND id>?)",
      "SEARCH h USING INDEX deliveries_key (endpoint_id=? AND ordering_key=?)",
    ]);
  });
});
