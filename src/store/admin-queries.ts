import { sql, type ExpressionBuilder, type Kysely, type SqlBool } from "kysely";
import { COUNT_SLICE, countOpen } from "./backlog-counts.ts";
import type { Endpoint, EndpointQueries, EndpointUpdate } from "../core/endpoints/endpoint.ts";
import { breakerHoldsSql } from "./breaker-sql.ts";
import { retryOnConflict } from "./conflict-retry.ts";
import { filteredDeliveries, type DeliveryFilter } from "./delivery-filter.ts";
import { endpointRow, toEndpoint, updateColumns } from "./endpoint-mapping.ts";
import { ListQueries } from "./list-queries.ts";
import type { AttemptRow, DB, DeliveryRow, DeliveryStatus, EventRow, SourceStateTable } from "./schema.ts";
import { idFloor } from "../core/ids.ts";
import type { TenantScope } from "../core/scope.ts";

import type { PageOf } from "./types.ts";

export type { PageOf };
export interface EndpointStats { counts: Record<DeliveryStatus, number>; lastAttempt: { startedAt: number; statusCode: number | null } | null }

type OpenStatus = "pending" | "retrying";
/**
 * The deliveries_due index's own condition (migration 001), in literals: SQLite uses a partial index only for a
 * query that states its condition, and a bound parameter does not.
 */
const OPEN_IN_DUE_INDEX = sql<SqlBool>`deliveries.status in ('pending', 'retrying')`;

/** What /metrics reads of the store (AdminQueries.backlog); `endpoint` is null unless asked per endpoint. */
export interface Backlog {
  /** `held`: of enabled endpoints whose circuit breaker holds them (not counted in `pending` or `retrying`). */
  deliveries: { status: OpenStatus | "held"; endpoint: string | null; count: number }[];
  lag: { endpoint: string | null; ms: number }[];
  endpoints: { enabled: number; disabled: number };
}

/**
 * What the admin API reads and changes in the store, newest first with keyset pages. Works on SQLite and Postgres.
 * Every method a request reaches takes its TenantScope (core/scope.ts) and applies it here, in the SQL: a tenant's
 * scope is an equality on the tenant column, so the per-tenant indexes of migration 004 serve it (the partial ones
 * on events and deliveries too: `tenant = ?` implies `tenant IS NOT NULL`).
 */
export class AdminQueries implements EndpointQueries {
  /** The portal's numbered, searchable lists (list-queries.ts). */
  readonly lists: ListQueries;
  /** `countSlice`: index entries per slice of the backlog's counts (backlog-counts.ts; tests make it small). */
  constructor(private readonly db: Kysely<DB>, private readonly countSlice = COUNT_SLICE) { this.lists = new ListQueries(db); }

  // Endpoints: config ids are not time-sortable, so the key is (created_at, id).
  async endpointsPage(scope: TenantScope, after: [number, string] | undefined, limit: number): Promise<PageOf<Endpoint>> {
    let q = this.db.selectFrom("endpoints").selectAll().orderBy("created_at", "desc").orderBy("id", "desc").limit(limit + 1);
    if (scope.tenant !== null) q = q.where("tenant", "=", scope.tenant);
    if (after) {
      const [at, id] = after;
      q = q.where((eb) => eb.or([eb("created_at", "<", at), eb.and([eb("created_at", "=", at), eb("id", "<", id)])]));
    }
    return page((await q.execute()).map(toEndpoint), limit);
  }

  async endpoint(id: string, scope: TenantScope): Promise<Endpoint | undefined> {
    let q = this.db.selectFrom("endpoints").selectAll().where("id", "=", id);
    if (scope.tenant !== null) q = q.where("tenant", "=", scope.tenant);
    const row = await q.executeTakeFirst();
    return row && toEndpoint(row);
  }

  /** An endpoint the config or a test writes (the API's go through TenantQueries.insertEndpoint, with their scope). */
  async insertEndpoint(endpoint: Endpoint): Promise<void> {
    await this.db.insertInto("endpoints").values(endpointRow(endpoint)).execute();
  }

  /** False: not in the scope, or the scope's session was revoked (or its tenant deleted) meanwhile: nothing changed. */
  async updateEndpoint(id: string, update: EndpointUpdate, scope: TenantScope): Promise<boolean> {
    let q = this.db.updateTable("endpoints").set({ ...updateColumns(update), updated_at: Date.now() }).where("id", "=", id);
    if (scope.tenant !== null) q = q.where("tenant", "=", scope.tenant);
    const session = scope.session;
    if (session !== null) q = q.where(({ exists }) => exists(liveSession(this.db, session)));
    return Number((await q.executeTakeFirst()).numUpdatedRows) > 0;
  }

  /**
   * Removes the endpoint; its deliveries and their attempts go with it in the store (migration 009). False: not in
   * the scope, or its session is gone.
   */
  /**
   * The delete cascades to the endpoint's deliveries and attempts while another process may be recording an
   * attempt (the delivery locked, then the endpoint's streak): Postgres aborts one of the two, and this one runs again.
   */
  async deleteEndpoint(id: string, scope: TenantScope): Promise<boolean> {
    return retryOnConflict(() => this.db.transaction().execute(async (trx) => {
      let endpoint = trx.selectFrom("endpoints").select("id").where("id", "=", id);
      if (scope.tenant !== null) endpoint = endpoint.where("tenant", "=", scope.tenant);
      if (!(await endpoint.executeTakeFirst()) || !(await sessionLive(trx, scope))) return false;
      const result = await trx.deleteFrom("endpoints").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    }));
  }

  // Events and deliveries: ids are time-sortable, so the id alone is the key.
  async eventsPage(scope: TenantScope, filter: { type?: string; since?: number }, after: string | undefined, limit: number): Promise<PageOf<EventRow>> {
    let q = this.db.selectFrom("events").selectAll().orderBy("id", "desc").limit(limit + 1);
    if (scope.tenant !== null) q = q.where("tenant", "=", scope.tenant);
    if (filter.type) q = q.where("type", "=", filter.type);
    if (filter.since !== undefined) q = q.where("received_at", ">=", filter.since);
    if (after) q = q.where("id", "<", after);
    return page(await q.execute(), limit);
  }

  event(id: string, scope: TenantScope): Promise<EventRow | undefined> {
    let q = this.db.selectFrom("events").selectAll().where("id", "=", id);
    if (scope.tenant !== null) q = q.where("tenant", "=", scope.tenant);
    return q.executeTakeFirst();
  }

  async deliveriesPage(scope: TenantScope, filter: DeliveryFilter, after: string | undefined, limit: number): Promise<PageOf<DeliveryRow>> {
    let q = filteredDeliveries(this.db, scope, filter).selectAll().orderBy("id", "desc").limit(limit + 1);
    if (after) q = q.where("id", "<", after);
    return page(await q.execute(), limit);
  }

  delivery(id: string, scope: TenantScope): Promise<DeliveryRow | undefined> {
    let q = this.db.selectFrom("deliveries").selectAll().where("id", "=", id);
    if (scope.tenant !== null) q = q.where("tenant", "=", scope.tenant);
    return q.executeTakeFirst();
  }

  /** The event's deliveries in the scope: a tenant's sees those to its own endpoints, not the global ones. */
  deliveriesOfEvent(eventId: string, scope: TenantScope): Promise<DeliveryRow[]> {
    let q = this.db.selectFrom("deliveries").selectAll().where("event_id", "=", eventId).orderBy("id");
    if (scope.tenant !== null) q = q.where("tenant", "=", scope.tenant);
    return q.execute();
  }

  /** Every attempt of these deliveries, oldest first per delivery. */
  async attemptsOf(deliveryIds: string[]): Promise<Map<string, AttemptRow[]>> {
    const out = new Map<string, AttemptRow[]>(deliveryIds.map((id) => [id, []]));
    if (deliveryIds.length === 0) return out;
    const rows = await this.db.selectFrom("attempts").selectAll().where("delivery_id", "in", deliveryIds)
      .orderBy("delivery_id").orderBy("number").orderBy("started_at").execute();
    for (const row of rows) out.get(row.delivery_id)?.push(row);
    return out;
  }

  /**
   * The events of a page of deliveries: their type, and the default body their attempts sent. A tenant's delivery
   * is of its own tenant's event (routing never crosses), so the scope holds them all.
   */
  async eventsById(eventIds: string[], scope: TenantScope): Promise<Map<string, EventRow>> {
    if (eventIds.length === 0) return new Map();
    let q = this.db.selectFrom("events").selectAll().where("id", "in", [...new Set(eventIds)]);
    if (scope.tenant !== null) q = q.where("tenant", "=", scope.tenant);
    const rows = await q.execute();
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Makes the endpoint's failed deliveries of events received in [since, until) due now. Returns how many. */
  async recover(endpointId: string, since: number, until: number, scope: TenantScope): Promise<number> {
    const now = Date.now();
    let q = this.db.updateTable("deliveries")
      .set({ status: "pending", next_attempt_at: now, updated_at: now })
      .where("endpoint_id", "=", endpointId);
    if (scope.tenant !== null) q = q.where("tenant", "=", scope.tenant);
    const session = scope.session;
    if (session !== null) q = q.where(({ exists }) => exists(liveSession(this.db, session)));
    const result = await q
      .where("status", "=", "failed")
      .where("event_id", "in", (eb) => eb.selectFrom("events").select("id").where("received_at", ">=", since).where("received_at", "<", until))
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * The endpoint's deliveries since `since`, counted by status, and its last attempt (null when none). `since` is
   * compared with the time in the delivery's id (when its event was accepted), which precedes created_at by at most
   * the ingest flush delay: the count is then a range of deliveries_endpoint (endpoint_id, id), and neither ingest
   * nor dispatch pays for an index of its own. The last attempt is read from the endpoint row.
   */
  async endpointStats(endpointId: string, since: number): Promise<EndpointStats> {
    const [rows, last] = await Promise.all([
      this.endpointStatsQueries(endpointId, since).counts.execute(),
      this.db.selectFrom("endpoints").select(["last_attempt_at", "last_status_code"]).where("id", "=", endpointId).executeTakeFirst(),
    ]);
    const counts: Record<DeliveryStatus, number> = { succeeded: 0, failed: 0, pending: 0, retrying: 0 };
    for (const r of rows) counts[r.status] = Number(r.n);
    const at = last?.last_attempt_at ?? null;
    return { counts, lastAttempt: at === null ? null : { startedAt: Number(at), statusCode: last?.last_status_code ?? null } };
  }

  /** The count of endpointStats: a range of the deliveries_endpoint index (tests check the plan). */
  endpointStatsQueries(endpointId: string, since: number) {
    return {
      counts: this.db.selectFrom("deliveries").select(["status", (eb) => eb.fn.countAll<number | string>().as("n")])
        .where("endpoint_id", "=", endpointId).where("id", ">=", idFloor("dlv", since)).groupBy("status"),
    };
  }

  /**
   * The backlog gauges of /metrics (DESIGN 11). Open deliveries by status, where `held` are those of enabled
   * endpoints whose circuit breaker holds them (breaker-sql.ts: the row's streak against `circuitBreakerAfter`),
   * taken out of `pending` and `retrying`; how long the oldest due, unattempted delivery of an enabled endpoint its
   * breaker does not hold has waited (ms, none when there is none); endpoints by state. With `perEndpoint`, the
   * first two per endpoint. The counts are read a slice at a time (backlog-counts.ts), by endpoint when asked or
   * when an endpoint is held (its deliveries are then told apart by their rows); see backlogQueries for the rest.
   */
  async backlog(now: number, perEndpoint: boolean, circuitBreakerAfter: number): Promise<Backlog> {
    const q = this.backlogQueries(now, circuitBreakerAfter);
    const held = new Set((await q.heldEndpoints.execute()).map((r) => r.id));
    const [deliveries, oldest, endpoints] = await Promise.all([
      countOpen(this.db, perEndpoint || held.size > 0, this.countSlice),
      perEndpoint ? q.lagByEndpoint.execute() : q.lag.execute(),
      this.db.selectFrom("endpoints").select(["enabled", (eb) => eb.fn.countAll<number | string>().as("n")]).groupBy("enabled").execute(),
    ]);
    const counted = new Map<string, Backlog["deliveries"][number]>();
    for (const r of deliveries) {
      const status = r.endpoint_id !== null && held.has(r.endpoint_id) ? "held" : r.status;
      const endpoint = perEndpoint ? r.endpoint_id : null;
      const key = `${endpoint ?? ""}\n${status}`;
      const sum = counted.get(key);
      if (sum) sum.count += Number(r.n); else counted.set(key, { status, endpoint, count: Number(r.n) });
    }
    return {
      // Per endpoint, a status with none is left out (as before): a held endpoint shows only `held`.
      deliveries: [...counted.values()].filter((d) => !perEndpoint || d.count > 0),
      lag: oldest.filter((r) => r.at !== null).map((r) => ({ endpoint: (r as { endpoint_id?: string }).endpoint_id ?? null, ms: Math.max(0, now - Number(r.at)) })),
      endpoints: { enabled: Number(endpoints.find((r) => Number(r.enabled) === 1)?.n ?? 0), disabled: Number(endpoints.find((r) => Number(r.enabled) !== 1)?.n ?? 0) },
    };
  }

  /**
   * The queries of backlog (a test checks their plans). The counts (backlog-counts.ts) read the deliveries_status
   * index a slice at a time; the held endpoints are a read of the endpoints. The lag goes endpoint by endpoint, per
   * enabled endpoint not held the first of its due entries that is pending (a min over a range of deliveries_due,
   * endpoint_id first: one seek in the usual case). So a held endpoint's backlog, however long, is never walked for
   * the lag, and no statement reads every open delivery at once (one count of a held endpoint's 297,000 held
   * SQLite's connection, and every request, for 61–68 ms per scrape).
   */
  backlogQueries(now: number, circuitBreakerAfter: number) {
    const enabledEndpoints = (held: boolean) => this.db.selectFrom("endpoints").where("endpoints.enabled", "=", 1).where(breakerHoldsSql(circuitBreakerAfter, held));
    const ofEndpoint = (eb: ExpressionBuilder<DB, "endpoints">) => eb.selectFrom("deliveries").whereRef("deliveries.endpoint_id", "=", "endpoints.id").where(OPEN_IN_DUE_INDEX);
    const oldestDue = (eb: ExpressionBuilder<DB, "endpoints">) => ofEndpoint(eb)
      .select((d) => d.fn.min<number | string | null>("deliveries.next_attempt_at").as("m"))
      .where("deliveries.next_attempt_at", "<=", now).where("deliveries.status", "=", "pending");
    // Every enabled endpoint not held, with null when it has nothing due (filtered by the caller, not in SQL: a
    // condition on `at` would run the subquery twice).
    const lagByEndpoint = enabledEndpoints(false).select(["endpoints.id as endpoint_id", (eb) => oldestDue(eb).as("at")]);
    return {
      heldEndpoints: enabledEndpoints(true).select("endpoints.id"),
      lag: this.db.selectFrom(lagByEndpoint.as("per")).select((eb) => eb.fn.min<number | string | null>("per.at").as("at")),
      lagByEndpoint,
    };
  }

  /** Whether the scope's session is still live (not revoked, its tenant not deleted); always true for an admin token's. */
  sessionLive(scope: TenantScope): Promise<boolean> {
    return sessionLive(this.db, scope);
  }

  sourceStates(): Promise<SourceStateTable[]> {
    return this.db.selectFrom("source_state").selectAll().execute();
  }

  /** Event types present in the store (in a tenant's scope, in that tenant's events), for a gateway without a catalog. */
  async seenTypes(scope: TenantScope, limit = 500): Promise<string[]> {
    let q = this.db.selectFrom("events").select("type").distinct().orderBy("type").limit(limit);
    if (scope.tenant !== null) q = q.where("tenant", "=", scope.tenant);
    const rows = await q.execute();
    return rows.map((r) => r.type);
  }
}

async function sessionLive(db: Kysely<DB>, scope: TenantScope): Promise<boolean> {
  if (scope.session === null) return true;
  return (await liveSession(db, scope.session).executeTakeFirst()) !== undefined;
}

/** The session's row while it is live (not revoked; gone with its tenant): what a session's write re-checks. */
export function liveSession(db: Kysely<DB>, hash: string) {
  return db.selectFrom("tenant_sessions").select("hash").where("hash", "=", hash).where("revoked_at", "is", null);
}

function page<T>(rows: T[], limit: number): PageOf<T> {
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}
