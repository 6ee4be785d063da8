import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import pg from "pg";
import { isRetryableConflict, retryBeforeCommit, retryOnConflict } from "../../src/store/conflict-retry.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";

// Postgres finds a deadlock after deadlock_timeout (1 s by default).
setDefaultTimeout(30_000);

describe.skipIf(skipPg)("retryOnConflict on Postgres", () => {
  let db: TestDatabase;
  const clients: pg.Client[] = [];
  beforeAll(async () => {
    db = await createDatabase();
    await db.client.query("CREATE TABLE t (id integer PRIMARY KEY, v integer NOT NULL)");
    for (let i = 0; i < 2; i++) {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      clients.push(client);
    }
  });
  afterAll(async () => {
    for (const c of clients) await c.end();
    await db.drop();
  });

  /** Two transactions that lock rows 1 and 2 in opposite order, each taking its first lock before either takes its second. */
  function crossedPair(wrap: <T>(fn: () => Promise<T>) => Promise<T>) {
    let arrived = 0;
    let open!: () => void;
    const bothLocked = new Promise<void>((resolve) => { open = resolve; });
    const run = (client: pg.Client, first: number, second: number) => wrap(async () => {
      await client.query("BEGIN");
      try {
        await client.query("UPDATE t SET v = v + 1 WHERE id = $1", [first]);
        if (++arrived === 2) open();
        await bothLocked;
        await client.query("UPDATE t SET v = v + 1 WHERE id = $1", [second]);
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK");
        throw e;
      }
    });
    return Promise.allSettled([run(clients[0]!, 1, 2), run(clients[1]!, 2, 1)]);
  }

  const values = async () => (await db.client.query("SELECT id, v FROM t ORDER BY id")).rows;

  test("without it, one of two crossed transactions dies of 40P01 (the failure the retry is for)", async () => {
    await db.client.query("DELETE FROM t; INSERT INTO t VALUES (1, 0), (2, 0)");
    const results = await crossedPair((fn) => fn());
    const failed = results.filter((r) => r.status === "rejected");
    expect(failed).toHaveLength(1);
    const error = (failed[0] as PromiseRejectedResult).reason;
    expect(error.code).toBe("40P01");
    expect(isRetryableConflict(error)).toBe(true);
    expect(await values()).toEqual([{ id: 1, v: 1 }, { id: 2, v: 1 }]);
  });

  test("with it, the aborted transaction runs again and both commit", async () => {
    await db.client.query("DELETE FROM t; INSERT INTO t VALUES (1, 0), (2, 0)");
    const results = await crossedPair((fn) => retryOnConflict(fn));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
    expect(await values()).toEqual([{ id: 1, v: 2 }, { id: 2, v: 2 }]);
  });

  test("any other error is thrown at once, and a conflict that keeps coming is thrown after the attempts allowed", async () => {
    let runs = 0;
    await expect(retryOnConflict(async () => { runs++; await db.client.query("SELECT * FROM no_such_table"); })).rejects.toThrow(/no_such_table/);
    expect(runs).toBe(1);
    runs = 0;
    const conflict = Object.assign(new Error("could not serialize access"), { code: "40001" });
    await expect(retryOnConflict(async () => { runs++; throw conflict; }, { attempts: 3, baseMs: 1 })).rejects.toBe(conflict);
    expect(runs).toBe(3);
  });
});

describe("retryBeforeCommit: a transaction whose connection died before its COMMIT was written runs again", () => {
  const terminated = Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" });
  const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
  const notQueryable = new Error("Client has encountered a connection error and is not queryable");
  const unique = Object.assign(new Error("duplicate key value"), { code: "23505" });
  test.each([
    // the error, thrown after the body finished (its COMMIT on the wire), runs in all, the error
    ["57P01", false, 2, terminated],
    ["ECONNRESET", false, 2, reset],
    ["not queryable", false, 2, notQueryable],
    ["not queryable", true, 2, notQueryable], // refused by the client before it was written: the COMMIT never left
    ["ECONNRESET", true, 1, reset], // lost while the COMMIT was on the wire: it may have committed
    ["57P01", true, 1, terminated],
    ["23505", false, 1, unique], // not a lost connection
  ] as const)("%s, after the body: %p → %d run(s)", async (_name, afterBody, runs, error) => {
    let n = 0;
    const result = retryBeforeCommit(async (mark) => {
      mark.sent = false;
      n++;
      if (n === 1) { mark.sent = afterBody; throw error; }
      mark.sent = true;
      return "ok";
    }, 3, 0);
    if (runs === 2) expect(await result).toBe("ok"); else await expect(result).rejects.toBe(error);
    expect(n).toBe(runs);
  });

  test("at most `attempts` runs", async () => {
    let n = 0;
    await expect(retryBeforeCommit(async () => { n++; throw terminated; }, 3, 0)).rejects.toBe(terminated);
    expect(n).toBe(3);
  });
});
