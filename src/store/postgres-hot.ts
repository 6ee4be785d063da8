import { CompiledQuery, sql, type Kysely, type Transaction } from "kysely";
import { retryBeforeCommit, retryOnConflict } from "./conflict-retry.ts";
import { healthChanges, verdict } from "./health.ts";
import type { Compiled } from "./compiled.ts";
import { hotStatements } from "./hot-sql.ts";
import { noteTenants, writeCursor } from "./queries.ts";
import type { DB } from "./schema.ts";
import { chunks, claimedDeliveries, duplicateKeys, eventIdsOf, ingestOutcomes, newDelivery, NotedTenants, type ClaimedRow, type Original } from "./shaping.ts";
import { CLAIMED_LEASES } from "./lease-sql.ts";
import { promoteStaleKeys } from "./stale-keys.ts";
import { endedKeys, ingestKeys, type AttemptOutcome, type ClaimedDelivery, type DisabledEndpoint, type EndedKey, type HotPaths, type IngestItem, type IngestOutcome, type Recorded, type SourceCursorWrite } from "./types.ts";

/**
 * The hot paths on Postgres, where several processes share one queue: claims skip the rows another process has
 * locked, and attempt records update their deliveries in one statement per chunk. Rows that several processes
 * update (tenants, endpoints' health) are written in id order, so two transactions never wait on each other in a
 * circle; a deadlock or serialization failure all the same runs the whole transaction again (conflict-retry.ts).
 */
export class PostgresHotPaths implements HotPaths {
  private readonly noted = new NotedTenants();

  constructor(private readonly db: Kysely<DB>) {}

  async ingest(items: IngestItem[], cursors: SourceCursorWrite[]): Promise<IngestOutcome[]> {
    const tenants = this.noted.fresh(items).sort();
    // A connection lost before the COMMIT (pg_terminate_backend) costs a retry, not a 503: nothing of it was committed.
    const outcomes = await retryBeforeCommit((mark) => retryOnConflict(() => this.db.transaction().execute(async (trx) => {
      mark.sent = false;
      if (tenants.length) {
        const now = Date.now();
        await noteTenants(trx, tenants, now).execute();
      }
      const ids = new Set<string>();
      for (const part of chunks(items)) {
        const rows = await trx.insertInto("events").values(part.map((i) => i.event))
          .onConflict((oc) => oc.columns(["source", "dedupe_key"]).where("idempotency_key", "is not", null).doNothing())
          .returning("id").execute();
        for (const row of rows) ids.add(row.id);
      }
      const inserted = items.map((i) => ids.has(i.event.id));
      const now = Date.now();
      const deliveries = items.filter((_, k) => inserted[k]).flatMap((i) => i.deliveries.map((d) => newDelivery(i.event.id, d, now)));
      for (const part of chunks(deliveries)) await trx.insertInto("deliveries").values(part).execute();
      // Ordered deliveries were written waiting: the first of each key goes unless one of its key is under way.
      await promoteKeys(trx, ingestKeys(items, inserted), now);
      const originals = new Map<string, Original>();
      for (const [key, e] of duplicateKeys(items, inserted)) originals.set(key, await original(trx, e.source, e.dedupe_key));
      for (const c of cursors) await writeCursor(trx, c);
      mark.sent = true;
      return ingestOutcomes(items, inserted, originals);
    })));
    this.noted.remember(tenants);
    return outcomes;
  }

  promoteStale(now: number, staleBefore: number, slice?: number): Promise<number> {
    return promoteStaleKeys(
      (after, before, limit) => run(this.db, STATEMENTS.waitingSlice, { after, before, limit }),
      async (ids) => Number((await this.db.executeQuery(CompiledQuery.raw(STATEMENTS.promoteWaiting.sql, STATEMENTS.promoteWaiting.bind({ now, ids })))).numAffectedRows ?? 0),
      staleBefore,
      slice,
    );
  }

  async claimDue(endpointId: string, now: number, leaseUntil: number, limit: number): Promise<ClaimedDelivery[]> {
    const claimed = await run(this.db, STATEMENTS.claim, { leaseUntil, endpointId, now, limit });
    if (claimed.length === 0) return [];
    const events = await this.db.selectFrom("events").selectAll().where("id", "in", eventIdsOf(claimed)).execute();
    return claimedDeliveries(claimed, events);
  }

  recordAttempts(outcomes: AttemptOutcome[]): Promise<Recorded> {
    const deliveries = outcomes.map((o) => o.delivery).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return retryBeforeCommit((mark) => retryOnConflict(() => this.db.transaction().execute(async (trx) => {
      mark.sent = false;
      const now = Date.now();
      // Deliveries first, one UPDATE ... FROM (VALUES ...) per chunk rather than one statement per delivery. The row
      // lock it takes makes a concurrent delete wait for this commit (and then cascade to these attempts); a delivery
      // deleted first is not found, and its attempt is not recorded (migration 009).
      const present = new Set<string>();
      for (const part of chunks(deliveries, 200)) {
        const values = sql.join(part.map((d) => sql`(${d.id}::text, ${d.status}::text, ${d.attempts}::integer, ${d.next_attempt_at}::bigint)`));
        const { rows } = await sql<{ id: string }>`UPDATE deliveries AS d SET status = v.status, attempts = v.attempts, next_attempt_at = v.next_at, updated_at = ${now}
          FROM (VALUES ${values}) AS v(id, status, attempts, next_at) WHERE d.id = v.id RETURNING d.id`.execute(trx);
        for (const row of rows) present.add(row.id);
      }
      // A batch tried again after a commit whose answer was lost must not fail on its own rows.
      for (const part of chunks(outcomes.map((o) => o.attempt).filter((a) => present.has(a.delivery_id)), 200)) {
        await trx.insertInto("attempts").values(part).onConflict((oc) => oc.column("id").doNothing()).execute();
      }
      // An ordered delivery that ended lets the next of its key go (DESIGN §13), leased to this process when asked.
      const promoted = await promoteKeys(trx, endedKeys(outcomes), now);
      const leased = promoted.filter((row) => row.leased);
      const events = leased.length === 0 ? [] : await trx.selectFrom("events").selectAll().where("id", "in", eventIdsOf(leased)).execute();
      const disabled = await updateEndpointHealth(trx, outcomes.map((o) => o.endpoint));
      mark.sent = true;
      return { disabled, leased: claimedDeliveries(leased, events) };
    })));
  }
}

/** The statements shared with SQLite, compiled when hookgate is built (hot-sql.ts). */
const STATEMENTS = hotStatements("postgres");

/** Runs a statement compiled once with one call's values, on the pool or in a transaction. */
async function run<K extends string, O>(db: Kysely<DB>, compiled: Compiled<K, O>, values: Record<K, unknown>): Promise<O[]> {
  return (await db.executeQuery<O>(CompiledQuery.raw(compiled.sql, compiled.bind(values)))).rows;
}

/**
 * DESIGN §13's `promote`: each key's first waiting delivery made due unless one of its key is under way, under the
 * keys' transaction locks: ingest (writing a key's deliveries) and the record of an attempt that ended one (in other
 * processes too) decide a key's next delivery one at a time, so a key never has two
 * under way, and a delivery written while the one before it ended is never left waiting. The locks are taken in the
 * keys' order (they come sorted), so two transactions take the ones they share in the same order; then one statement
 * promotes every key (its snapshot is taken after the locks, so it sees what the transactions before it committed).
 * Returns the promoted rows, `leased` those of keys named with a `leaseMs`.
 */
async function promoteKeys(trx: Transaction<DB>, keys: EndedKey[], now: number): Promise<(ClaimedRow & { leased: boolean })[]> {
  if (keys.length === 0) return [];
  const locks = keys.map(({ endpointId, key }) => `hookgate.order:${endpointId.length}:${endpointId}:${key}`);
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(l.name, 0))
    FROM (SELECT name FROM unnest(${locks}::text[]) WITH ORDINALITY AS u(name, n) ORDER BY n OFFSET 0) AS l`.execute(trx);
  const endpoints = keys.map((k) => k.endpointId);
  const names = keys.map((k) => k.key);
  // With a leaseMs, the key's next is leased as a claim would (due at the lease's end, one lease counted).
  const leaseMs = keys.map((k) => k.leaseMs ?? null);
  // The next is the first waiting after the one that ended or, with none named, after the newest that ever held the key.
  const after = keys.map((k) => k.after ?? null);
  const { rows } = await sql<ClaimedRow & { leased: boolean }>`UPDATE deliveries AS d SET next_attempt_at = ${now}::bigint + coalesce(p.lease_ms, 0), held_since = ${now}::bigint,
      leases = CASE WHEN p.lease_ms IS NULL THEN d.leases ELSE ${CLAIMED_LEASES} END
    FROM (SELECT (SELECT w.id FROM deliveries w WHERE w.endpoint_id = k.endpoint_id AND w.ordering_key = k.ordering_key
          AND w.id > coalesce(k.after_id, (SELECT h.id FROM deliveries h WHERE h.endpoint_id = k.endpoint_id AND h.ordering_key = k.ordering_key
            AND h.held_since IS NOT NULL ORDER BY h.id DESC LIMIT 1), '')
          AND w.status IN ('pending', 'retrying') AND w.held_since IS NULL ORDER BY w.id LIMIT 1) AS id, k.lease_ms
        FROM unnest(${endpoints}::text[], ${names}::text[], ${leaseMs}::bigint[], ${after}::text[]) AS k(endpoint_id, ordering_key, lease_ms, after_id)
        WHERE NOT EXISTS (SELECT 1 FROM deliveries a WHERE a.endpoint_id = k.endpoint_id AND a.ordering_key = k.ordering_key
          AND a.held_since IS NOT NULL AND a.status IN ('pending', 'retrying'))) AS p
    WHERE d.id = p.id
    RETURNING d.id, d.endpoint_id, d.leases, d.event_id, d.ordering_key, d.held_since, p.lease_ms IS NOT NULL AS leased`.execute(trx);
  return rows;
}

async function original(trx: Transaction<DB>, source: string, dedupeKey: string): Promise<Original> {
  const row = await trx.selectFrom("events").select("id").where("source", "=", source).where("dedupe_key", "=", dedupeKey)
    .where("idempotency_key", "is not", null).executeTakeFirstOrThrow();
  const count = await trx.selectFrom("deliveries").select((eb) => eb.fn.countAll<number>().as("n")).where("event_id", "=", row.id).executeTakeFirstOrThrow();
  return { id: row.id, deliveries: Number(count.n) };
}

async function updateEndpointHealth(trx: Transaction<DB>, results: AttemptOutcome["endpoint"][]): Promise<DisabledEndpoint[]> {
  const disabled: DisabledEndpoint[] = [];
  const now = Date.now();
  // In id order: two batches that name the same endpoints lock them in the same order.
  for (const change of healthChanges(results).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const [row] = await run(trx, STATEMENTS.failureStreak, { ...change, reset: change.reset ? 1 : 0 });
    const reason = verdict(change, row, now);
    if (reason) {
      await trx.updateTable("endpoints").set({ enabled: 0, disabled_reason: reason, updated_at: now }).where("id", "=", change.id).execute();
      disabled.push({ id: change.id, reason });
    }
  }
  return disabled;
}
