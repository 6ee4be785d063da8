import { expect, test } from "bun:test";
import type { SQLQueryBindings } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/store/open.ts";
import { openSqlite } from "../../src/store/sqlite.ts";
import { hotStatements } from "../../src/store/hot-sql.ts";

/**
 * The sweep's repair of ordered keys (`promoteStale`, every 10 s on SQLite's connection, on the event loop) reads the
 * waiting ordered deliveries through `deliveries_key`: left to itself SQLite read every open delivery through
 * `deliveries_status`, 40 ms per sweep with 300,000 pending plain deliveries and growing with any backlog.
 */
test("promoteStale reads only the ordered deliveries (deliveries_key), not every open one", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hookgate-plans-"));
  try {
    const file = join(dir, "s.db");
    const store = openStore({ sqlite: file, retention: "30d", synchronous: "full" });
    await store.migrate();
    await store.close();
    const { raw, close } = openSqlite({ file, synchronous: "full" });
    const { sql, bind } = hotStatements("sqlite").promoteStale;
    const plan = (raw.db.query(`EXPLAIN QUERY PLAN ${sql}`).all(...(bind({ now: 1, staleBefore: 1 }) as SQLQueryBindings[])) as { detail: string }[]).map((r) => r.detail);
    expect(plan.some((d) => /USING (COVERING )?INDEX deliveries_key/.test(d))).toBe(true);
    expect(plan.filter((d) => /deliveries_status|^SCAN \w+$/.test(d))).toEqual([]); // a scan of the partial index is its waiting deliveries
    raw.db.close();
    await close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
