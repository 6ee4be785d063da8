import { sql, type SqlBool } from "kysely";
import { compiledFrom, compileOnce, compilerFor, type Compiled } from "./compiled.ts";
import { CLAIMED_LEASES } from "./lease-sql.ts";
import { noteTenants } from "./queries.ts";
import type { Dialect } from "./types.ts";

/**
 * The hot paths' statements, written once with kysely and compiled per dialect when hookgate is built (hot-sql.ts, a
 * macro: compiling them at start took 2–4 ms per dialect): SQLite prepares the SQL, Postgres sends it to the pool;
 * each call binds its values. Where the dialects differ, it is said here.
 */
export function buildHotStatements(dialect: Dialect) {
  const db = compilerFor(dialect);
  const postgres = dialect === "postgres";
  return {
    /** Records a tenant ingest names for the first time (queries.ts `noteTenants`, one row). */
    noteTenant: compileOnce(["id", "now"], (slot) => noteTenants(db, [slot<string>("id")], slot<number>("now"))),

    /**
     * Claims due deliveries of one endpoint: the due time moves to the lease's end and a lease is counted, in one
     * statement (the attempt is numbered from it). Postgres, where processes share the queue, skips rows another
     * claim has locked. The status list is written out: the partial index `deliveries_due` needs it literally.
     */
    claim: compileOnce(["leaseUntil", "endpointId", "now", "limit"], (slot) => db.updateTable("deliveries")
      .set({ next_attempt_at: slot<number>("leaseUntil"), leases: CLAIMED_LEASES })
      .where("id", "in", (eb) => eb.selectFrom("deliveries").select("id")
        .where("endpoint_id", "=", slot<string>("endpointId"))
        .where(sql<SqlBool>`status IN ('pending', 'retrying')`)
        .where("next_attempt_at", "<=", slot<number>("now"))
        .orderBy("next_attempt_at").limit(slot<number>("limit"))
        .$if(postgres, (q) => q.forUpdate().skipLocked()))
      .returning(["id", "endpoint_id", "leases", "event_id", "ordering_key", "held_since"])),

    /**
     * The repair behind the stores' `promote` (stale-keys.ts): waiting ordered deliveries in id order, a slice after
     * `after` and before `before` (the floor id of the repair's age: ids carry their time). SQLite names the index
     * `deliveries_waiting` (sqliteIndexedBy): the partial index of those deliveries, in id order.
     */
    waitingSlice: sqliteIndexedBy(dialect, "w", "deliveries_waiting", compileOnce(["after", "before", "limit"], (slot) => db.selectFrom("deliveries as w")
      .select(["w.id", "w.endpoint_id", "w.ordering_key", "w.created_at"])
      .where("w.ordering_key", "is not", null).where("w.held_since", "is", null).where(sql<SqlBool>`w.status IN ('pending', 'retrying')`)
      .where("w.id", ">", slot<string>("after")).where("w.id", "<", slot<string>("before"))
      .orderBy("w.id").limit(slot<number>("limit")))),

    /**
     * The repair's promote: the named deliveries (each the first waiting of its key: SQLite a JSON array, Postgres a
     * text[]) made due, each unless its key has one under way (`deliveries_holder`) or it is no longer waiting.
     */
    promoteWaiting: sqliteIndexedBy(dialect, "a", "deliveries_holder", compileOnce(["now", "ids"], (slot) => db.updateTable("deliveries")
      .set({ next_attempt_at: slot<number>("now"), held_since: slot<number>("now") })
      .where("id", "in", postgres ? sql<string>`(SELECT unnest(CAST(${slot("ids")} AS text[])))` : sql<string>`(SELECT value FROM json_each(${slot("ids")}))`)
      .where("held_since", "is", null).where(sql<SqlBool>`status IN ('pending', 'retrying')`)
      .where((eb) => eb.not(eb.exists(eb.selectFrom("deliveries as a").select(sql<number>`1`.as("one"))
        .whereRef("a.endpoint_id", "=", "deliveries.endpoint_id").whereRef("a.ordering_key", "=", "deliveries.ordering_key")
        .where("a.held_since", "is not", null).where(sql<SqlBool>`a.status IN ('pending', 'retrying')`)))))),

    /**
     * An endpoint's failure streak after a batch of attempts (health.ts `healthChanges`): `reset` (1 or 0) starts the
     * count again at `failures`. The streak's start is cleared by a success with no failure after it and set by the
     * first failure of a new streak. The last attempt too, unless a newer one is stored; not updated_at, which would
     * rebuild the endpoints. The casts tell Postgres the parameters' types (SQLite reads them as integers).
     */
    failureStreak: compileOnce(["reset", "failures", "id", "firstFailureAt", "lastAttemptAt", "lastStatusCode"], (slot) => {
      const reset = sql`CAST(${slot("reset")} AS integer) = 1`;
      const failures = sql<number>`CAST(${slot("failures")} AS integer)`;
      const lastAt = sql<number>`CAST(${slot("lastAttemptAt")} AS bigint)`;
      return db.updateTable("endpoints").set({
        consecutive_failures: sql<number>`CASE WHEN ${reset} THEN ${failures} ELSE consecutive_failures + ${failures} END`,
        failing_since: sql<number | null>`CASE WHEN ${failures} = 0 THEN NULL WHEN ${reset} OR failing_since IS NULL
          THEN CAST(${slot("firstFailureAt")} AS bigint) ELSE failing_since END`,
        last_status_code: sql<number | null>`CASE WHEN last_attempt_at > ${lastAt} THEN last_status_code ELSE CAST(${slot("lastStatusCode")} AS integer) END`,
        last_attempt_at: sql<number>`CASE WHEN last_attempt_at > ${lastAt} THEN last_attempt_at ELSE ${lastAt} END`,
      }).where("id", "=", slot<string>("id")).returning(["consecutive_failures", "failing_since", "enabled"]);
    }),
  };
}

/**
 * On SQLite, the table `alias` read through `index` by name (kysely has no INDEXED BY): left to itself SQLite read
 * promoteStale's `w` through `deliveries_status`, every open delivery, 40 ms each 10 s sweep with 300,000 pending
 * plain ones (test/store/sqlite-plans.test.ts). Done when hookgate is built, like the compile itself.
 */
function sqliteIndexedBy<K extends string, O>(dialect: Dialect, alias: string, index: string, compiled: Compiled<K, O>): Compiled<K, O> {
  if (dialect !== "sqlite") return compiled;
  const from = `from "deliveries" as "${alias}"`;
  if (!compiled.sql.includes(from)) throw new Error(`sqliteIndexedBy: no ${from} in ${compiled.sql}`);
  return compiledFrom(compiled.sql.replace(from, `${from} indexed by "${index}"`), compiled.params);
}

export type HotStatements = ReturnType<typeof buildHotStatements>;
