import { sql, type Kysely, type SqlBool, type Transaction } from "kysely";
import { DEFAULT_MIGRATION_TABLE, Migrator } from "kysely/migration";
import { AdminQueries } from "./admin-queries.ts";
import { ChangeQueries } from "./changes.ts";
import { retryOnConflict } from "./conflict-retry.ts";
import { TenantQueries } from "./tenants.ts";
import { ProcessQueries } from "./processes.ts";
import { BUILD } from "../version.ts";
import { getMeta, setMeta, setMetaIfAbsent } from "./meta.ts";
import { LATEST_MIGRATION, migrationProvider, migrations } from "./migrations/index.ts";
import { CLAIMED_LEASES, RELEASED_LEASES } from "./lease-sql.ts";
import { writeCursor } from "./queries.ts";
import type { ConfigEndpointRecord, Endpoint } from "../core/endpoints/endpoint.ts";
import { configColumns, toEndpoint } from "./endpoint-mapping.ts";
import type { DB, DeliveryRow, EventRow } from "./schema.ts";
import { chunks } from "./shaping.ts";
import { deliveriesOf, expiredEvents, stillNeeded } from "./purge.ts";
import { idFloor } from "../core/ids.ts";
import type { AttemptOutcome, ClaimedDelivery, Dialect, HotPaths, IngestItem, IngestOutcome, Recorded, SourceCursorWrite, Store } from "./types.ts";

// Where core has found the store's types so far; new code imports types.ts.

/** The meta key naming the build that last applied migrations. */
const MIGRATED_BY = "hookgate.migrated_by";

/** A store migrated by a newer hookgate than this binary: running on it could misread its rows. */
export class StoreTooNewError extends Error {
  override name = "StoreTooNewError";
  constructor(readonly migration: string, readonly migratedBy: string | null) {
    super(`it was migrated by hookgate ${migratedBy ?? "(a newer version)"} up to migration ${migration}, and this binary is hookgate ${BUILD}, which knows migrations up to ${LATEST_MIGRATION} — run hookgate ${migratedBy ? migratedBy.split(" ")[0] : "of that version"} or newer, or restore a backup taken before the upgrade`);
  }
}

/**
 * The store over kysely: SQLite (one process) or Postgres (several processes sharing one queue). The hot paths
 * come from the database's own implementation (sqlite-hot.ts, postgres-hot.ts); everything else is kysely.
 */
export class KyselyStore implements Store {
  readonly admin: AdminQueries;
  readonly tenants: TenantQueries;
  readonly changes: ChangeQueries;
  readonly processes: ProcessQueries;

  constructor(
    /** The store's own connection: no layer outside src/store reaches it (tests do through test/support/store-db.ts). */
    readonly db: Kysely<DB>,
    private readonly dialect: Dialect,
    private readonly hot: HotPaths,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {
    this.admin = new AdminQueries(db);
    this.tenants = new TenantQueries(db, dialect);
    this.changes = new ChangeQueries(db);
    this.processes = new ProcessQueries(db, dialect);
  }

  /**
   * Applies the migrations this binary has; refuses a store migrated further by a newer one (StoreTooNewError).
   * The binary that applied any records itself, so the refusal of an older one can name it.
   */
  async migrate(): Promise<void> {
    const applied = await this.refuseNewerStore();
    // Every migration applied (most starts): one read, not the migrator's lock table, lock and second read (P5).
    if (Object.keys(migrations).every((name) => applied.has(name))) return;
    const migrator = new Migrator({ db: this.db, provider: migrationProvider });
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === "Error");
    if (!error && !failed) {
      if (results?.length) await setMeta(this.db, MIGRATED_BY, BUILD);
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(failed ? `store migration ${failed.migrationName} failed: ${reason}` : `cannot open the ${this.dialect} store: ${reason}`);
  }

  /** The names of the migrations the store has applied, after refusing a store migrated by a newer hookgate. */
  private async refuseNewerStore(): Promise<Set<string>> {
    const applied = await this.db.withTables<{ [DEFAULT_MIGRATION_TABLE]: { name: string } }>()
      .selectFrom(DEFAULT_MIGRATION_TABLE).select("name").orderBy("name").execute()
      .catch(() => []); // a new store: no table yet (a store out of reach fails in the migrator with its own reason)
    const unknown = applied.map((r) => r.name).filter((name) => !(name in migrations));
    if (unknown.length) throw new StoreTooNewError(unknown.at(-1)!, await getMeta(this.db, MIGRATED_BY).catch(() => null));
    return new Set(applied.map((r) => r.name));
  }

  async close(): Promise<void> {
    await this.db.destroy();
    await this.onClose();
  }

  private transaction<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  ingest(items: IngestItem[], cursors: SourceCursorWrite[] = []): Promise<IngestOutcome[]> {
    return this.hot.ingest(items, cursors);
  }

  /** Any tenant's event (the system's own reads; a request's go through AdminQueries with its scope). */
  event(id: string): Promise<EventRow | undefined> {
    return this.db.selectFrom("events").selectAll().where("id", "=", id).executeTakeFirst();
  }

  async getCursor(sourceId: string): Promise<unknown> {
    const row = await this.db.selectFrom("source_state").select("cursor").where("id", "=", sourceId).executeTakeFirst();
    return row?.cursor ? JSON.parse(row.cursor) : undefined;
  }

  async setCursor(sourceId: string, cursor: unknown): Promise<void> {
    await writeCursor(this.db, { id: sourceId, cursor });
  }

  async setSourceStatus(sourceId: string, status: string, lastError: string | null): Promise<void> {
    const now = Date.now();
    await this.db.insertInto("source_state").values({ id: sourceId, cursor: null, status, last_error: lastError, updated_at: now })
      .onConflict((oc) => oc.column("id").doUpdateSet({ status, last_error: lastError, updated_at: now })).execute();
  }

  /** Records the process that took a run-once source's lock. */
  async setSourceHolder(sourceId: string, holder: string): Promise<void> {
    await this.db.insertInto("source_state").values({ id: sourceId, cursor: null, status: "starting", last_error: null, updated_at: Date.now(), holder })
      .onConflict((oc) => oc.column("id").doUpdateSet({ holder })).execute();
  }

  async claimDue(endpointId: string, now: number, leaseUntil: number, limit: number): Promise<ClaimedDelivery[]> {
    return limit <= 0 ? [] : this.hot.claimDue(endpointId, now, leaseUntil, limit);
  }

  /**
   * Makes leased deliveries due again, unsent (at shutdown, when their endpoint was disabled meanwhile, or when its
   * circuit breaker opened): the lease is given back, so the next attempt takes the number this one would have had.
   */
  async release(ids: string[], at = Date.now()): Promise<void> {
    for (const part of chunks([...ids].sort())) {
      await retryOnConflict(() => this.db.updateTable("deliveries").set({ next_attempt_at: at, leases: RELEASED_LEASES })
        .where("id", "in", part).where("status", "in", ["pending", "retrying"]).execute());
    }
  }

  /** Counts a lease for an attempt outside the queues (admin retry and test); null when the delivery is gone. */
  async leaseNow(id: string): Promise<{ delivery: DeliveryRow; attempt: number } | null> {
    const row = await this.db.updateTable("deliveries").set({ leases: CLAIMED_LEASES })
      .where("id", "=", id).returningAll().executeTakeFirst();
    return row ? { delivery: row, attempt: row.leases } : null;
  }

  async recordAttempts(outcomes: AttemptOutcome[]): Promise<Recorded> {
    return outcomes.length === 0 ? { disabled: [], leased: [] } : this.hot.recordAttempts(outcomes);
  }

  promoteStale(now: number, staleBefore: number, slice?: number): Promise<number> {
    return this.hot.promoteStale(now, staleBefore, slice);
  }

  async listEndpoints(after?: string, limit?: number): Promise<Endpoint[]> {
    let query = this.db.selectFrom("endpoints").selectAll().orderBy("id");
    if (after !== undefined) query = query.where("id", ">", after);
    if (limit !== undefined) query = query.limit(limit);
    return (await query.execute()).map(toEndpoint);
  }

  /** Any tenant's endpoint (the system's own reads; a request's go through AdminQueries with its scope). */
  async endpoint(id: string): Promise<Endpoint | undefined> {
    const row = await this.db.selectFrom("endpoints").selectAll().where("id", "=", id).executeTakeFirst();
    return row && toEndpoint(row);
  }

  /** Enables or disables an endpoint; enabling clears the failure count and makes its waiting deliveries due. */
  async setEndpointEnabled(id: string, enabled: boolean, reason: string | null): Promise<boolean> {
    const now = Date.now();
    const result = await this.db.updateTable("endpoints")
      .set(enabled ? { enabled: 1, disabled_reason: null, consecutive_failures: 0, failing_since: null, updated_at: now } : { enabled: 0, disabled_reason: reason, updated_at: now })
      .where("id", "=", id).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Config endpoints are upserted by id, in id order (one statement each, so processes that start together neither
   * collide on the key nor deadlock); the config decides everything but a runtime disable.
   */
  async reconcileConfigEndpoints(records: ConfigEndpointRecord[]): Promise<void> {
    const now = Date.now();
    const sorted = [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    await retryOnConflict(() => this.transaction(async (trx) => {
      for (const record of sorted) {
        const row = configColumns(record);
        const { enabled: _enabled, ...rest } = row;
        await trx.insertInto("endpoints").values({ ...row, created_at: now, updated_at: now, disabled_reason: null, previous_secret: null, previous_secret_until: null, previous_public_key: null })
          .onConflict((oc) => oc.column("id").doUpdateSet({ ...rest, ...keptKeyPair(record), managed_by: "config", updated_at: now })
            // Written only where it changed: a start or reload that changes nothing moves no updated_at and logs no change.
            .where((eb) => eb.or(Object.keys(rest).filter((c) => c !== "id").map((c) => sql<SqlBool>`${sql.ref(`endpoints.${c}`)} IS DISTINCT FROM ${sql.ref(`excluded.${c}`)}`))))
          .execute();
      }
      // Always one write, though no endpoint changed: a store that cannot be written fails the start here, with its
      // reason (a full disk), rather than a gateway that starts and answers 503 to everything.
      await setMeta(trx, "config_reconciled_at", String(now));
      // Config endpoints no longer in the config become API-managed rather than vanish with their history.
      const ids = sorted.map((r) => r.id);
      let orphaned = trx.updateTable("endpoints").set({ managed_by: "api", updated_at: now }).where("managed_by", "=", "config");
      if (ids.length) orphaned = orphaned.where("id", "not in", ids);
      await orphaned.execute();
    }));
  }

  /**
   * Purges events older than `before` whose deliveries are all finished (their deliveries and attempts go with them
   * in the store, migration 009), until none is left; then attempts older than `before` whose delivery is gone
   * (migration 009 removed those older versions left; an older process beside this one may leave more). Each chunk is its own short transaction, and the event loop turns between
   * chunks, so ingest and attempts (on SQLite's one connection) get their turn instead of waiting for the whole
   * purge. `signal` stops it between chunks (at shutdown). Returns how many events it removed.
   */
  async purge(before: number, options: { chunk?: number; signal?: AbortSignal } = {}): Promise<number> {
    const chunk = options.chunk ?? 1_000;
    // Each chunk reads the next expired events in id order: one kept for an open delivery is read once per run.
    let after = "";
    const removed = await this.inChunks(options.signal, async () => {
      const { read, n, last } = await this.purgeEvents(before, chunk, after);
      after = last;
      return { removed: n, more: read === chunk };
    });
    await this.inChunks(options.signal, async () => {
      const n = await this.purgeOrphanAttempts(before, chunk);
      return { removed: n, more: n === chunk };
    });
    return removed;
  }

  /** Runs `step` while it says there may be more, letting the event loop turn between runs; what they removed. */
  private async inChunks(signal: AbortSignal | undefined, step: () => Promise<{ removed: number; more: boolean }>): Promise<number> {
    let removed = 0;
    while (!signal?.aborted) {
      const { removed: n, more } = await step();
      removed += n;
      if (!more) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return removed;
  }

  /**
   * The next `limit` events received before `before`, past `after` in id order (a range of the primary key: the
   * hourly purge of a store of recent events reads none of them), removed unless an open delivery needs them.
   */
  private purgeEvents(before: number, limit: number, after: string): Promise<{ read: number; n: number; last: string }> {
    return retryOnConflict(() => this.transaction(async (trx) => {
      const ids = (await expiredEvents(trx, before, limit, after).execute()).map((r) => r.id);
      if (ids.length === 0) return { read: 0, n: 0, last: after };
      const kept = stillNeeded(await deliveriesOf(trx, ids).execute());
      const gone = kept.size ? ids.filter((id) => !kept.has(id)) : ids;
      if (gone.length) await trx.deleteFrom("events").where("id", "in", gone).execute();
      return { read: ids.length, n: gone.length, last: ids.at(-1)! };
    }));
  }

  /**
   * Attempts made before `before` whose delivery is gone. After the events' purge, the attempts that old are those of
   * events kept for an open delivery, and these orphans: a range of the primary key (ids are time-sortable), not a
   * scan of the table.
   */
  private purgeOrphanAttempts(before: number, limit: number): Promise<number> {
    return retryOnConflict(async () => {
      const ids = (await this.db.selectFrom("attempts").select("id").where("id", "<", idFloor("att", before))
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom("deliveries").select("id").whereRef("deliveries.id", "=", "attempts.delivery_id"))))
        .limit(limit).execute()).map((r) => r.id);
      if (ids.length) await this.db.deleteFrom("attempts").where("id", "in", ids).execute();
      return ids.length;
    });
  }

  getMeta(key: string): Promise<string | null> {
    return getMeta(this.db, key);
  }

  setMetaIfAbsent(key: string, value: string): Promise<void> {
    return setMetaIfAbsent(this.db, key, value);
  }
}

/**
 * A key pair made at this start (`generatedOver`) replaces the stored one only if that is still the one it was made
 * over: one another process wrote meanwhile (both found none) stays, and this process loads it with the rest.
 */
function keptKeyPair(record: ConfigEndpointRecord) {
  if (record.generatedOver === undefined) return {};
  const theirs = sql<boolean>`endpoints.public_key IS NOT NULL AND endpoints.public_key IS DISTINCT FROM CAST(${record.generatedOver} AS text)`;
  return {
    secret: sql<string>`CASE WHEN ${theirs} THEN endpoints.secret ELSE excluded.secret END`,
    public_key: sql<string>`CASE WHEN ${theirs} THEN endpoints.public_key ELSE excluded.public_key END`,
  };
}
