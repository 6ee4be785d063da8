import { sql, type Kysely, type Transaction } from "kysely";
import { Migrator } from "kysely/migration";
import { disableReason, healthChanges } from "./health.ts";
import { migrationProvider } from "./migrations/index.ts";
import type { DB, DeliveryRow, DeliveryStatus, EndpointRow, EventRow, NewAttempt } from "./schema.ts";
import type { SqliteFast } from "./sqlite-fast.ts";

export type Dialect = "sqlite" | "postgres";

/** One event to store with its deliveries, as ingest prepared it. */
export interface IngestItem {
  event: EventRow;
  /** `leased`: handed to this process's dispatcher at once, so it counts as a lease (see DeliveriesTable.leases). */
  deliveries: { id: string; endpoint_id: string; next_attempt_at: number; leased?: boolean }[];
}

export interface IngestOutcome {
  id: string;
  deliveries: number;
  duplicate: boolean;
}

export interface SourceCursorWrite {
  id: string;
  cursor: unknown;
}

/** A delivery claimed for an attempt, with what the attempt needs of its event. */
export interface ClaimedDelivery {
  id: string;
  endpoint_id: string;
  /** This attempt's number: after every lease before it, so a resend after a crash never repeats a number. */
  attempt: number;
  event: EventRow;
}

/** What one attempt changed: the attempt row, the delivery's new state, and the endpoint's. */
export interface AttemptOutcome {
  attempt: NewAttempt;
  delivery: { id: string; status: DeliveryStatus; attempts: number; next_attempt_at: number | null };
  /**
   * Failure-streak bookkeeping: reset on success, count up on failure; disable with a reason. Null when the
   * attempt says nothing about the receiver (hookgate could not build the request).
   */
  endpoint: { id: string; success: boolean; at: number; disableReason: string | null; autoDisableAfter: number; autoDisableWindowMs: number } | null;
}

/** `max(leases, attempts)`: a lease count never below the attempts recorded (rows from before leases were counted). */
const LEASED = sql<number>`CASE WHEN leases > attempts THEN leases ELSE attempts END`;

const CHUNK = 500;
const chunks = <T>(items: T[], size = CHUNK): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/** The store over kysely: SQLite (one process) or Postgres (several processes sharing one queue). */
export class Store {
  constructor(
    readonly db: Kysely<DB>,
    readonly dialect: Dialect,
    private readonly onClose: () => Promise<void> = async () => {},
    /** SQLite's hot paths on prepared statements (sqlite-fast.ts); Postgres uses the kysely versions below. */
    private readonly fast: SqliteFast | null = null,
  ) {}

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider });
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === "Error");
    if (!error && !failed) return;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(failed ? `store migration ${failed.migrationName} failed: ${reason}` : `cannot open the ${this.dialect} store: ${reason}`);
  }

  async close(): Promise<void> {
    await this.db.destroy();
    await this.onClose();
  }

  transaction<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  /** Stores events with their deliveries and the sources' cursors in one transaction. */
  async ingest(items: IngestItem[], cursors: SourceCursorWrite[] = []): Promise<IngestOutcome[]> {
    if (this.fast) return this.fast.ingest(items, cursors);
    return this.transaction(async (trx) => {
      const inserted = new Set<string>();
      for (const part of chunks(items)) {
        const rows = await trx.insertInto("events").values(part.map((i) => i.event))
          .onConflict((oc) => oc.columns(["source", "dedupe_key"]).doNothing())
          .returning("id").execute();
        for (const row of rows) inserted.add(row.id);
      }
      const now = Date.now();
      const deliveries = items.filter((i) => inserted.has(i.event.id)).flatMap((i) => i.deliveries.map((d) => ({
        id: d.id, event_id: i.event.id, endpoint_id: d.endpoint_id, status: "pending" as const, attempts: 0, leases: d.leased ? 1 : 0,
        next_attempt_at: d.next_attempt_at, created_at: now, updated_at: now,
      })));
      for (const part of chunks(deliveries)) await trx.insertInto("deliveries").values(part).execute();
      // Duplicates are resolved after this batch's deliveries exist, so a duplicate within the batch counts them.
      const duplicates = items.filter((i) => !inserted.has(i.event.id));
      const originals = new Map<string, { id: string; deliveries: number }>();
      for (const item of duplicates) {
        const key = `${item.event.source}\u0000${item.event.dedupe_key}`;
        if (originals.has(key)) continue;
        const original = await trx.selectFrom("events").select("id")
          .where("source", "=", item.event.source).where("dedupe_key", "=", item.event.dedupe_key).executeTakeFirstOrThrow();
        const count = await trx.selectFrom("deliveries").select((eb) => eb.fn.countAll<number>().as("n"))
          .where("event_id", "=", original.id).executeTakeFirstOrThrow();
        originals.set(key, { id: original.id, deliveries: Number(count.n) });
      }
      for (const c of cursors) await this.writeCursor(trx, c);
      return items.map((i) => {
        if (inserted.has(i.event.id)) return { id: i.event.id, deliveries: i.deliveries.length, duplicate: false };
        const original = originals.get(`${i.event.source}\u0000${i.event.dedupe_key}`)!;
        return { ...original, duplicate: true };
      });
    });
  }

  private async writeCursor(trx: Kysely<DB>, c: SourceCursorWrite): Promise<void> {
    const cursor = JSON.stringify(c.cursor ?? null);
    await trx.insertInto("source_state").values({ id: c.id, cursor, status: "running", last_error: null, updated_at: Date.now() })
      .onConflict((oc) => oc.column("id").doUpdateSet({ cursor, updated_at: Date.now() })).execute();
  }

  async getCursor(sourceId: string): Promise<unknown> {
    const row = await this.db.selectFrom("source_state").select("cursor").where("id", "=", sourceId).executeTakeFirst();
    return row?.cursor ? JSON.parse(row.cursor) : undefined;
  }

  async setCursor(sourceId: string, cursor: unknown): Promise<void> {
    await this.writeCursor(this.db, { id: sourceId, cursor });
  }

  async setSourceStatus(sourceId: string, status: string, lastError: string | null): Promise<void> {
    const now = Date.now();
    await this.db.insertInto("source_state").values({ id: sourceId, cursor: null, status, last_error: lastError, updated_at: now })
      .onConflict((oc) => oc.column("id").doUpdateSet({ status, last_error: lastError, updated_at: now })).execute();
  }

  /**
   * Claims up to `limit` due deliveries of one endpoint by moving their due time to the lease's end, counting
   * the lease in the same statement: the attempt is numbered from it.
   */
  async claimDue(endpointId: string, now: number, leaseUntil: number, limit: number): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    if (this.fast) return this.fast.claimDue(endpointId, now, leaseUntil, limit);
    const claimed = await this.transaction(async (trx) => {
      let due = trx.selectFrom("deliveries").select("id")
        .where("endpoint_id", "=", endpointId)
        .where("status", "in", ["pending", "retrying"])
        .where("next_attempt_at", "<=", now)
        .orderBy("next_attempt_at").limit(limit);
      if (this.dialect === "postgres") due = due.forUpdate().skipLocked();
      const ids = (await due.execute()).map((r) => r.id);
      if (ids.length === 0) return [];
      return trx.updateTable("deliveries").set({ next_attempt_at: leaseUntil, leases: sql<number>`${LEASED} + 1` }).where("id", "in", ids)
        .returning(["id", "endpoint_id", "leases", "event_id"]).execute();
    });
    if (claimed.length === 0) return [];
    const events = await this.db.selectFrom("events").selectAll().where("id", "in", [...new Set(claimed.map((c) => c.event_id))]).execute();
    const byId = new Map(events.map((e) => [e.id, e]));
    return claimed.flatMap((c) => {
      const event = byId.get(c.event_id);
      return event ? [{ id: c.id, endpoint_id: c.endpoint_id, attempt: c.leases, event }] : [];
    });
  }

  /**
   * Makes leased deliveries due again, unsent (at shutdown, when their endpoint was disabled meanwhile, or when its
   * circuit breaker opened): the lease is given back, so the next attempt takes the number this one would have had.
   */
  async release(ids: string[], at = Date.now()): Promise<void> {
    for (const part of chunks(ids)) {
      await this.db.updateTable("deliveries").set({ next_attempt_at: at, leases: sql<number>`CASE WHEN leases > attempts THEN leases - 1 ELSE attempts END` })
        .where("id", "in", part).where("status", "in", ["pending", "retrying"]).execute();
    }
  }

  /** Counts a lease for an attempt outside the queues (admin retry and test); null when the delivery is gone. */
  async leaseNow(id: string): Promise<{ delivery: DeliveryRow; attempt: number } | null> {
    const row = await this.db.updateTable("deliveries").set({ leases: sql<number>`${LEASED} + 1` })
      .where("id", "=", id).returningAll().executeTakeFirst();
    return row ? { delivery: row, attempt: row.leases } : null;
  }

  /** Records a batch of attempts and their consequences in one transaction. Returns the endpoints it disabled. */
  async recordAttempts(outcomes: AttemptOutcome[]): Promise<{ id: string; reason: string }[]> {
    if (outcomes.length === 0) return [];
    if (this.fast) return this.fast.recordAttempts(outcomes);
    return this.transaction(async (trx) => {
      for (const part of chunks(outcomes.map((o) => o.attempt), 200)) await trx.insertInto("attempts").values(part).execute();
      const now = Date.now();
      // One UPDATE ... FROM (VALUES ...) per chunk rather than one statement per delivery.
      for (const part of chunks(outcomes.map((o) => o.delivery), 200)) {
        const values = sql.join(part.map((d) => sql`(${d.id}::text, ${d.status}::text, ${d.attempts}::integer, ${d.next_attempt_at}::bigint)`));
        await sql`UPDATE deliveries AS d SET status = v.status, attempts = v.attempts, next_attempt_at = v.next_at, updated_at = ${now}
          FROM (VALUES ${values}) AS v(id, status, attempts, next_at) WHERE d.id = v.id`.execute(trx);
      }
      return this.updateEndpointHealth(trx, outcomes.map((o) => o.endpoint));
    });
  }

  private async updateEndpointHealth(trx: Kysely<DB>, results: AttemptOutcome["endpoint"][]): Promise<{ id: string; reason: string }[]> {
    const disabled: { id: string; reason: string }[] = [];
    const now = Date.now();
    for (const change of healthChanges(results)) {
      const since = change.failures === 0 ? null : change.reset ? change.firstFailureAt : sql<number>`COALESCE(failing_since, ${change.firstFailureAt})`;
      const row = await trx.updateTable("endpoints")
        .set((eb) => ({ consecutive_failures: change.reset ? change.failures : eb("consecutive_failures", "+", change.failures), failing_since: since }))
        .where("id", "=", change.id).returning(["consecutive_failures", "failing_since", "enabled"]).executeTakeFirst();
      if (!row || !row.enabled) continue;
      const reason = disableReason(change, { failures: row.consecutive_failures, since: row.failing_since }, now);
      if (reason) {
        await trx.updateTable("endpoints").set({ enabled: 0, disabled_reason: reason, updated_at: now }).where("id", "=", change.id).execute();
        disabled.push({ id: change.id, reason });
      }
    }
    return disabled;
  }

  async listEndpoints(): Promise<EndpointRow[]> {
    return this.db.selectFrom("endpoints").selectAll().orderBy("id").execute();
  }

  async getEndpoint(id: string): Promise<EndpointRow | undefined> {
    return this.db.selectFrom("endpoints").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** Enables or disables an endpoint; enabling clears the failure count and makes its waiting deliveries due. */
  async setEndpointEnabled(id: string, enabled: boolean, reason: string | null): Promise<boolean> {
    const now = Date.now();
    const result = await this.db.updateTable("endpoints")
      .set(enabled ? { enabled: 1, disabled_reason: null, consecutive_failures: 0, failing_since: null, updated_at: now } : { enabled: 0, disabled_reason: reason, updated_at: now })
      .where("id", "=", id).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Config endpoints are upserted by id; the config decides everything but a runtime disable. */
  async reconcileConfigEndpoints(rows: Omit<EndpointRow, "consecutive_failures" | "failing_since" | "created_at" | "updated_at" | "disabled_reason" | "previous_secret" | "previous_secret_until">[]): Promise<void> {
    const now = Date.now();
    await this.transaction(async (trx) => {
      for (const row of rows) {
        const existing = await trx.selectFrom("endpoints").select(["managed_by", "enabled", "disabled_reason"]).where("id", "=", row.id).executeTakeFirst();
        if (!existing) {
          await trx.insertInto("endpoints").values({ ...row, created_at: now, updated_at: now, disabled_reason: null, previous_secret: null, previous_secret_until: null }).execute();
        } else {
          const { enabled: _enabled, ...rest } = row;
          await trx.updateTable("endpoints").set({ ...rest, managed_by: "config", updated_at: now }).where("id", "=", row.id).execute();
        }
      }
      // Config endpoints no longer in the config become API-managed rather than vanish with their history.
      const ids = rows.map((r) => r.id);
      let orphaned = trx.updateTable("endpoints").set({ managed_by: "api", updated_at: now }).where("managed_by", "=", "config");
      if (ids.length) orphaned = orphaned.where("id", "not in", ids);
      await orphaned.execute();
    });
  }

  /**
   * Purges events older than `before` whose deliveries are all finished, with their deliveries and attempts, until
   * none is left. Each chunk is its own short transaction, and the event loop turns between chunks, so ingest and
   * attempts (on SQLite's one connection) get their turn instead of waiting for the whole purge. `signal` stops it
   * between chunks (at shutdown). Returns how many events it removed.
   */
  async purge(before: number, options: { chunk?: number; signal?: AbortSignal } = {}): Promise<number> {
    const chunk = options.chunk ?? 1_000;
    let removed = 0;
    while (!options.signal?.aborted) {
      const n = await this.purgeChunk(before, chunk);
      removed += n;
      if (n < chunk) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return removed;
  }

  private purgeChunk(before: number, limit: number): Promise<number> {
    return this.transaction(async (trx) => {
      const ids = (await trx.selectFrom("events").select("id")
        .where("received_at", "<", before)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom("deliveries").select("id")
          .whereRef("deliveries.event_id", "=", "events.id").where("status", "in", ["pending", "retrying"]))))
        .limit(limit).execute()).map((r) => r.id);
      if (ids.length === 0) return 0;
      await trx.deleteFrom("attempts").where("delivery_id", "in", trx.selectFrom("deliveries").select("id").where("event_id", "in", ids)).execute();
      await trx.deleteFrom("deliveries").where("event_id", "in", ids).execute();
      await trx.deleteFrom("events").where("id", "in", ids).execute();
      return ids.length;
    });
  }
}
