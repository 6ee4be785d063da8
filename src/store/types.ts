import type { ConfigEndpointRecord, Endpoint } from "../core/endpoints/endpoint.ts";
import type { AdminQueries } from "./admin-queries.ts";
import type { ChangeQueries } from "./changes.ts";
import type { TenantQueries } from "./tenants.ts";
import type { ProcessQueries } from "./processes.ts";
import type { DeliveryRow, EventRow, NewAttempt, TenantRow } from "./schema.ts";

/** One page of a listing: its rows, and whether more follow. */
export interface PageOf<T> { rows: T[]; more: boolean }
export interface TenantListRow extends TenantRow { endpoints: number }
export interface TenantDeleted { endpoints: number; events: number; deliveries: number }


export type Dialect = "sqlite" | "postgres";

/** One event to store with its deliveries, as ingest prepared it. */
export interface IngestItem {
  event: EventRow;
  /** `leased`: handed to this process's dispatcher at once, so it counts as a lease (see DeliveriesTable.leases). */
  /** `tenant`: the endpoint's (absent: null, a global endpoint). */
  /**
   * `ordering_key`: set for an endpoint with `ordering` (the event's key, "" for none): the delivery is written waiting
   * (`next_attempt_at` null) and the store makes the first of its key due (`promote` in sqlite-hot.ts and postgres-hot.ts).
   */
  deliveries: (Pick<DeliveryRow, "id" | "endpoint_id"> & { tenant?: string | null; next_attempt_at: number | null; leased?: boolean; ordering_key?: string | null })[];
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
  /** Its ordering key when it was made for an endpoint with `ordering` ("" for an event without one); else null. */
  orderingKey: string | null;
  /** When it became its key's head (ordered deliveries only). */
  heldSince: number | null;
}

/** What one attempt changed: the attempt row, the delivery's new state, and the endpoint's. */
/** One ordering key of one endpoint (DESIGN §13). */
export interface OrderedKey { endpointId: string; key: string }

/**
 * A key whose delivery ended, as the recording process names it: with `leaseMs`, the key's next delivery is leased
 * to that process in the record's own transaction (due when a lease that long ends, a lease counted) and returned,
 * so it is sent without a claim of its own; without, it is made due now for any process to claim.
 */
export interface EndedKey extends OrderedKey {
  leaseMs?: number;
  /**
   * The id of the delivery that ended (of several of the key in one record, the greatest): the key's next is the
   * first waiting after it. Without (ingest), the next is the first waiting after the newest that ever held the key.
   */
  after?: string;
}

/** The keys in `outcomes` whose delivery ended for good (succeeded or failed), each once, in a fixed order. */
export function endedKeys(outcomes: { delivery: AttemptOutcome["delivery"] }[]): EndedKey[] {
  const keys = new Map<string, EndedKey>();
  for (const { delivery: d } of outcomes) {
    if (!d.ordering || (d.status !== "succeeded" && d.status !== "failed")) continue;
    const name = `${d.ordering.endpointId}\u0000${d.ordering.key}`;
    const seen = keys.get(name);
    if (seen?.after === undefined || seen.after < d.id) keys.set(name, { ...d.ordering, after: d.id });
  }
  return sortKeys([...keys.values()]);
}

/** The ordered deliveries' keys of an ingest batch, each once, in a fixed order. */
export function ingestKeys(items: IngestItem[], inserted: boolean[]): OrderedKey[] {
  const keys = new Map<string, OrderedKey>();
  items.forEach((item, k) => {
    if (!inserted[k]) return;
    for (const d of item.deliveries) if (d.ordering_key != null) keys.set(`${d.endpoint_id}\u0000${d.ordering_key}`, { endpointId: d.endpoint_id, key: d.ordering_key });
  });
  return sortKeys([...keys.values()]);
}

/** Keys in (endpoint, key) order: two Postgres transactions lock the keys they share in the same order. */
const sortKeys = <K extends OrderedKey>(keys: K[]): K[] =>
  keys.sort((a, b) => (a.endpointId < b.endpointId ? -1 : a.endpointId > b.endpointId ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

export interface AttemptOutcome {
  attempt: NewAttempt;
  /** `ordering`: the delivery's endpoint and ordering key when it is ordered: one that ends lets the next of its key go. */
  delivery: Pick<DeliveryRow, "id" | "status" | "attempts" | "next_attempt_at"> & { ordering?: EndedKey };
  /**
   * Failure-streak bookkeeping: reset on success, count up on failure; disable with a reason. Null when the
   * attempt says nothing about the receiver (hookgate could not build the request).
   */
  endpoint: { id: string; success: boolean; at: number; statusCode: number | null; disableReason: string | null; autoDisableAfter: number; autoDisableWindowMs: number } | null;
}

/**
 * What a batch of records changed beyond itself: the endpoints it auto-disabled, and the ordered deliveries it leased
 * to the recording process (the next of each key that ended with a `leaseMs`, EndedKey).
 */
export interface Recorded {
  disabled: DisabledEndpoint[];
  leased: ClaimedDelivery[];
}

/** An endpoint auto-disabled by a batch of attempts, and why. */
export interface DisabledEndpoint {
  id: string;
  reason: string;
}

/**
 * The hot paths, one implementation per database (sqlite-hot.ts, postgres-hot.ts), handed to the store as
 * Hono's app is handed its router. Each runs in one transaction.
 */
export interface HotPaths {
  /** Stores events with their deliveries and the sources' cursors; a duplicate returns its original. */
  ingest(items: IngestItem[], cursors: SourceCursorWrite[]): Promise<IngestOutcome[]>;
  /** Moves up to `limit` due deliveries' due time to `leaseUntil`, counting a lease each (`limit` > 0). */
  claimDue(endpointId: string, now: number, leaseUntil: number, limit: number): Promise<ClaimedDelivery[]>;
  /** Records attempts, the deliveries' new states and the endpoints' failure streaks (`outcomes` not empty). */
  recordAttempts(outcomes: AttemptOutcome[]): Promise<Recorded>;
  /** DESIGN §13's repair: keys with deliveries waiting since before `staleBefore` and none under way get their next one; how many. */
  promoteStale(now: number, staleBefore: number, slice?: number): Promise<number>;
}

/** What the rest of hookgate may do with the store: SQLite (one process) or Postgres (several sharing one queue). */
export interface Store {
  /** The admin API's reads and writes (keyset pages, endpoint rows, recover). */
  readonly admin: AdminQueries;
  /** Tenants' records and portal sessions. */
  readonly tenants: TenantQueries;
  /** The change log every process follows (endpoint changes through any process). */
  readonly changes: ChangeQueries;
  /** The processes' heartbeat rows (src/cluster/members.ts). */
  readonly processes: ProcessQueries;
  migrate(): Promise<void>;
  close(): Promise<void>;

  /** Stores events with their deliveries and the sources' cursors in one transaction. */
  ingest(items: IngestItem[], cursors?: SourceCursorWrite[]): Promise<IngestOutcome[]>;
  event(id: string): Promise<EventRow | undefined>;
  getCursor(sourceId: string): Promise<unknown>;
  setCursor(sourceId: string, cursor: unknown): Promise<void>;
  setSourceStatus(sourceId: string, status: string, lastError: string | null): Promise<void>;
  /** Records the process that took a run-once source's lock (GET /sources: runningOn). */
  setSourceHolder(sourceId: string, holder: string): Promise<void>;

  /**
   * Claims up to `limit` due deliveries of one endpoint by moving their due time to the lease's end, counting
   * the lease in the same statement: the attempt is numbered from it.
   */
  claimDue(endpointId: string, now: number, leaseUntil: number, limit: number): Promise<ClaimedDelivery[]>;
  /** Makes leased deliveries due again, unsent, giving the lease back. */
  release(ids: string[], at?: number): Promise<void>;
  /** Counts a lease for an attempt outside the queues (admin retry and test); null when the delivery is gone. */
  leaseNow(id: string): Promise<{ delivery: DeliveryRow; attempt: number } | null>;
  /** Records a batch of attempts and their consequences in one transaction. Returns the endpoints it disabled. */
  recordAttempts(outcomes: AttemptOutcome[]): Promise<Recorded>;
  /** DESIGN §13's repair: keys with deliveries waiting since before `staleBefore` and none under way get their next one; how many. */
  promoteStale(now: number, staleBefore: number, slice?: number): Promise<number>;

  /** Endpoints by id: all of them, or `limit` after `after`. */
  listEndpoints(after?: string, limit?: number): Promise<Endpoint[]>;
  /** One endpoint (a change to follow); undefined when it is gone. */
  endpoint(id: string): Promise<Endpoint | undefined>;
  setEndpointEnabled(id: string, enabled: boolean, reason: string | null): Promise<boolean>;
  reconcileConfigEndpoints(records: ConfigEndpointRecord[]): Promise<void>;

  /** Purges events older than `before` whose deliveries are all finished; returns how many. */
  purge(before: number, options?: { chunk?: number; signal?: AbortSignal }): Promise<number>;

  /** Store-wide values (the secrets key check). */
  getMeta(key: string): Promise<string | null>;
  /** Writes the value unless one is there already (two processes starting at once keep the first). */
  setMetaIfAbsent(key: string, value: string): Promise<void>;
}
