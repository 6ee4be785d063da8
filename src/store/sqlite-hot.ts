import type { Database, SQLQueryBindings, Statement } from "bun:sqlite";
import type { Compiled } from "./compiled.ts";
import { healthChanges, verdict } from "./health.ts";
import { hotStatements } from "./hot-sql.ts";
import { CLAIMED_LEASES_TEXT } from "./lease-sql.ts";
import type { EventRow } from "./schema.ts";
import { claimedDeliveries, duplicateKeys, eventIdsOf, ingestOutcomes, newDelivery, NotedTenants, type ClaimedRow, type Original } from "./shaping.ts";
import type { RawSqlite } from "./sqlite.ts";
import { promoteStaleKeys } from "./stale-keys.ts";
import { endedKeys, ingestKeys, type EndedKey, type Recorded, type AttemptOutcome, type ClaimedDelivery, type DisabledEndpoint, type HotPaths, type IngestItem, type IngestOutcome, type SourceCursorWrite } from "./types.ts";

/**
 * The hot paths on SQLite as prepared statements on the raw connection, in one synchronous transaction each:
 * building and compiling a kysely query per row cost more than SQLite's own work. The statements the Postgres store
 * shares are compiled once from kysely (hot-sql.ts); they are bound per call.
 */
export class SqliteHotPaths implements HotPaths {
  #s: ReturnType<typeof prepare> | null = null;
  private readonly noted = new NotedTenants();

  constructor(private readonly raw: RawSqlite) {}

  /** Prepared on first use: the tables exist only after the migrations ran. */
  private get s() { return (this.#s ??= prepare(this.raw.db)); }

  async ingest(items: IngestItem[], cursors: SourceCursorWrite[]): Promise<IngestOutcome[]> {
    const tenants = this.noted.fresh(items);
    const outcomes = await this.raw.exclusive((db) => db.transaction(() => {
      const s = this.s;
      const now = Date.now();
      for (const t of tenants) s.noteTenant.run({ id: t, now });
      const inserted = items.map((i) => {
        const e = i.event;
        if (s.insertEvent.run(e.id, e.source, e.type, e.timestamp, e.data, e.dedupe_key, e.idempotency_key, e.received_at, e.tenant, e.ordering_key ?? null).changes === 0) return false;
        for (const d of i.deliveries) {
          const row = newDelivery(e.id, d, now);
          s.insertDelivery.run(row.id, row.event_id, row.endpoint_id, row.leases, row.next_attempt_at, row.tenant, row.ordering_key, row.created_at, row.updated_at);
        }
        return true;
      });
      // Ordered deliveries were written waiting: the first of each key goes unless one of its key is under way.
      promoteAll(s, ingestKeys(items, inserted), now);
      const originals = new Map<string, Original>();
      for (const [key, e] of duplicateKeys(items, inserted)) {
        const row = s.original.get(e.source, e.dedupe_key) as { id: string; n: number };
        originals.set(key, { id: row.id, deliveries: row.n });
      }
      for (const c of cursors) s.upsertCursor.run(c.id, JSON.stringify(c.cursor ?? null), now);
      return ingestOutcomes(items, inserted, originals);
    }).immediate());
    this.noted.remember(tenants);
    return outcomes;
  }

  claimDue(endpointId: string, now: number, leaseUntil: number, limit: number): Promise<ClaimedDelivery[]> {
    return this.raw.exclusive((db) => db.transaction(() => {
      const s = this.s;
      const claimed = s.claim.all({ leaseUntil, endpointId, now, limit });
      if (claimed.length === 0) return [];
      return claimedDeliveries(claimed, s.eventsById.all(JSON.stringify(eventIdsOf(claimed))) as EventRow[]);
    }).immediate());
  }

  promoteStale(now: number, staleBefore: number, slice?: number): Promise<number> {
    return promoteStaleKeys(
      (after, before, limit) => this.raw.exclusive(() => this.s.waitingSlice.all({ after, before, limit })),
      (ids) => this.raw.exclusive(() => this.s.promoteWaiting.run({ now, ids: JSON.stringify(ids) }).changes),
      staleBefore,
      slice,
    );
  }

  recordAttempts(outcomes: AttemptOutcome[]): Promise<Recorded> {
    return this.raw.exclusive((db) => db.transaction(() => {
      const s = this.s;
      const now = Date.now();
      for (const { attempt: a, delivery: d } of outcomes) {
        // A delivery deleted while its attempt was in flight (its endpoint's, event's or tenant's delete) is gone
        // with its attempts: this one is not recorded either (migration 009).
        if (s.updateDelivery.run(d.status, d.attempts, d.next_attempt_at, now, d.id).changes === 0) continue;
        s.insertAttempt.run(a.id, a.delivery_id, a.endpoint_id, a.number, a.trigger, a.started_at, a.url, a.request_headers, a.request_body ?? null,
          a.status_code ?? null, a.response_headers, a.response_body, a.duration_ms, a.error ?? null);
      }
      // An ordered delivery that ended lets the next of its key go (DESIGN §13), leased to this process when asked.
      const leased = promoteAll(s, endedKeys(outcomes), now);
      const disabled: DisabledEndpoint[] = [];
      for (const change of healthChanges(outcomes.map((o) => o.endpoint))) {
        const row = s.failureStreak.get({ ...change, reset: change.reset ? 1 : 0 });
        const reason = verdict(change, row, now);
        if (reason) {
          s.disable.run(reason, now, change.id);
          disabled.push({ id: change.id, reason });
        }
      }
      return { disabled, leased };
    }).immediate());
  }
}

/**
 * The next delivery of each key goes, unless one of its key is under way (DESIGN §13; `promoteMany`). Those of keys
 * named with a `leaseMs` are leased in the same statement and returned with their events, ready to send.
 */
function promoteAll(s: ReturnType<typeof prepare>, keys: EndedKey[], now: number): ClaimedDelivery[] {
  if (keys.length === 0) return [];
  const leasing = new Set(keys.filter((k) => k.leaseMs !== undefined).map((k) => `${k.endpointId}\u0000${k.key}`));
  const json = JSON.stringify(keys.map((k) => [k.endpointId, k.key, k.leaseMs ?? null, k.after ?? null]));
  // Nothing to lease (ingest's keys): the promoted rows are not read back.
  if (leasing.size === 0) { s.promoteMany.run(now, json); return []; }
  const promoted = s.promoteMany.all(now, json) as ClaimedRow[];
  const leased = promoted.filter((row) => leasing.has(`${row.endpoint_id}\u0000${row.ordering_key}`));
  if (leased.length === 0) return [];
  return claimedDeliveries(leased, s.eventsById.all(JSON.stringify(eventIdsOf(leased))) as EventRow[]);
}

/**
 * DESIGN §13: for each key (a JSON array of [endpoint, key, leaseMs or null, after or null]) with none of its
 * deliveries under way (`deliveries_holder`), its first waiting delivery after `after` (the one that ended), or
 * with no `after` after the newest that ever held the key, is made due; one statement for a batch's keys
 * (migration 013: `deliveries_key` is read, not written). With a leaseMs it is leased as a claim would (due at
 * the lease's end, one lease counted, lease-sql.ts).
 */
export const PROMOTE_MANY = `UPDATE deliveries SET next_attempt_at = ?1 + coalesce(p.lease_ms, 0), held_since = ?1,
    leases = CASE WHEN p.lease_ms IS NULL THEN leases ELSE ${CLAIMED_LEASES_TEXT} END
  FROM (SELECT (SELECT w.id FROM deliveries w INDEXED BY deliveries_key WHERE w.endpoint_id = k.endpoint_id AND w.ordering_key = k.ordering_key
        AND w.id > coalesce(k.after_id, (SELECT h.id FROM deliveries h INDEXED BY deliveries_key WHERE h.endpoint_id = k.endpoint_id
          AND h.ordering_key = k.ordering_key AND h.held_since IS NOT NULL ORDER BY h.id DESC LIMIT 1), '')
        AND w.status IN ('pending', 'retrying') AND w.held_since IS NULL ORDER BY w.id LIMIT 1) AS id, k.lease_ms
      FROM (SELECT j.value ->> 0 AS endpoint_id, j.value ->> 1 AS ordering_key, j.value ->> 2 AS lease_ms, j.value ->> 3 AS after_id FROM json_each(?2) j) AS k
      WHERE NOT EXISTS (SELECT 1 FROM deliveries a INDEXED BY deliveries_holder WHERE a.endpoint_id = k.endpoint_id AND a.ordering_key = k.ordering_key
        AND a.held_since IS NOT NULL AND a.status IN ('pending', 'retrying'))) AS p
  WHERE deliveries.id = p.id
  RETURNING id, endpoint_id, leases, event_id, ordering_key, held_since`;

/**
 * A duplicate's original and its deliveries' count, by (source, dedupe key). Only keyed events are in `events_dedupe`
 * (migration 014), and only they have duplicates: the condition lets SQLite use the partial index.
 */
export const ORIGINAL_OF = `SELECT e.id AS id, (SELECT count(*) FROM deliveries d WHERE d.event_id = e.id) AS n
  FROM events e WHERE e.source = ? AND e.dedupe_key = ? AND e.idempotency_key IS NOT NULL`;

function prepare(db: Database) {
  const q = (sql: string): Statement => db.prepare(sql);
  const shared = hotStatements("sqlite");
  return {
    noteTenant: bound(db, shared.noteTenant),
    claim: bound(db, shared.claim),
    promoteMany: q(PROMOTE_MANY),
    waitingSlice: bound(db, shared.waitingSlice),
    promoteWaiting: bound(db, shared.promoteWaiting),
    failureStreak: bound(db, shared.failureStreak),
    insertEvent: q(`INSERT INTO events (id, source, type, timestamp, data, dedupe_key, idempotency_key, received_at, tenant, ordering_key)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, dedupe_key) WHERE idempotency_key IS NOT NULL DO NOTHING`),
    insertDelivery: q(`INSERT INTO deliveries (id, event_id, endpoint_id, status, attempts, leases, next_attempt_at, tenant, ordering_key, created_at, updated_at)
      VALUES (?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?, ?)`),
    original: q(ORIGINAL_OF),
    upsertCursor: q(`INSERT INTO source_state (id, cursor, status, last_error, updated_at) VALUES (?1, ?2, 'running', NULL, ?3)
      ON CONFLICT (id) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`),
    eventsById: q(`SELECT * FROM events WHERE id IN (SELECT value FROM json_each(?))`),
    insertAttempt: q(`INSERT INTO attempts (id, delivery_id, endpoint_id, number, trigger, started_at, url, request_headers, request_body,
      status_code, response_headers, response_body, duration_ms, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    updateDelivery: q(`UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?`),
    disable: q(`UPDATE endpoints SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ?`),
  };
}

/** A statement compiled once from kysely, prepared once, bound per call. */
function bound<K extends string, O>(db: Database, compiled: Compiled<K, O>) {
  const statement = db.prepare(compiled.sql);
  return {
    run: (values: Record<K, unknown>) => statement.run(...(compiled.bind(values) as SQLQueryBindings[])),
    all: (values: Record<K, unknown>) => statement.all(...(compiled.bind(values) as SQLQueryBindings[])) as O[],
    get: (values: Record<K, unknown>) => statement.get(...(compiled.bind(values) as SQLQueryBindings[])) as O | null,
  };
}
