import { sql, type Kysely } from "kysely";
import { idFloor } from "../core/ids.ts";
import type { TenantScope } from "../core/scope.ts";
import type { EndpointStats } from "./admin-queries.ts";
import type { Endpoint } from "../core/endpoints/endpoint.ts";
import { toEndpoint } from "./endpoint-mapping.ts";
import { filteredDeliveries, type DeliveryFilter } from "./delivery-filter.ts";
import type { DB, DeliveryRow } from "./schema.ts";

/** enabled, disabled, or failing: enabled with a streak of failed attempts running (failing_since is set). */
export type EndpointState = "enabled" | "disabled" | "failing";
export interface EndpointFilter { search?: string; state?: EndpointState }
/** A numbered page: its rows and how many there are in all. */
export interface NumberedPage<T> { rows: T[]; total: number }

/** `%text%` for LIKE, the wildcards in the text taken literally. */
const containing = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The portal's lists at a customer's scale (DESIGN 10): endpoints searched by URL or description and filtered by
 * state, deliveries by time range, each a numbered page with its total; the stats of a whole page in one query; the
 * names of the endpoints a page of deliveries went to. Same SQL on SQLite and Postgres (lower() + LIKE, not ILIKE).
 */
export class ListQueries {
  constructor(private readonly db: Kysely<DB>) {}

  async endpoints(scope: TenantScope, filter: EndpointFilter, offset: number, limit: number): Promise<NumberedPage<Endpoint>> {
    let q = this.db.selectFrom("endpoints");
    if (scope.tenant !== null) q = q.where("tenant", "=", scope.tenant);
    const search = filter.search?.trim();
    if (search) {
      const like = containing(search);
      q = q.where((eb) => eb.or([
        eb(sql`lower(url)`, "like", sql`${like} escape '\\'`),
        eb(sql`lower(description)`, "like", sql`${like} escape '\\'`),
        eb("id", "=", search),
      ]));
    }
    if (filter.state === "enabled") q = q.where("enabled", "=", 1);
    if (filter.state === "disabled") q = q.where("enabled", "=", 0);
    if (filter.state === "failing") q = q.where("enabled", "=", 1).where("failing_since", "is not", null);
    const [rows, count] = await Promise.all([
      q.selectAll().orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).offset(offset).execute(),
      q.select((eb) => eb.fn.countAll<number | string>().as("n")).executeTakeFirst(),
    ]);
    return { rows: rows.map(toEndpoint), total: Number(count?.n ?? 0) };
  }

  /** The stats of several endpoints (rows already read): one grouped count over the deliveries_endpoint index. */
  async statsOf(endpoints: Endpoint[], since: number): Promise<Map<string, EndpointStats>> {
    const out = new Map<string, EndpointStats>(endpoints.map((e) => [e.id, {
      counts: { succeeded: 0, failed: 0, pending: 0, retrying: 0 },
      lastAttempt: e.lastAttemptAt === null ? null : { startedAt: Number(e.lastAttemptAt), statusCode: e.lastStatusCode },
    }]));
    if (endpoints.length === 0) return out;
    const rows = await this.db.selectFrom("deliveries")
      .select(["endpoint_id", "status", (eb) => eb.fn.countAll<number | string>().as("n")])
      .where("endpoint_id", "in", endpoints.map((e) => e.id)).where("id", ">=", idFloor("dlv", since))
      .groupBy(["endpoint_id", "status"]).execute();
    for (const r of rows) {
      const stats = out.get(r.endpoint_id);
      if (stats) stats.counts[r.status] = Number(r.n);
    }
    return out;
  }

  async deliveries(scope: TenantScope, filter: DeliveryFilter, offset: number, limit: number): Promise<NumberedPage<DeliveryRow>> {
    const q = filteredDeliveries(this.db, scope, filter);
    const [rows, count] = await Promise.all([
      q.selectAll().orderBy("id", "desc").limit(limit).offset(offset).execute(),
      q.select((eb) => eb.fn.countAll<number | string>().as("n")).executeTakeFirst(),
    ]);
    return { rows, total: Number(count?.n ?? 0) };
  }

  /** URL and description of the endpoints a page of deliveries went to, so no list shows a bare id. */
  async endpointNames(ids: string[], scope: TenantScope): Promise<Map<string, { url: string; description: string }>> {
    if (ids.length === 0) return new Map();
    let q = this.db.selectFrom("endpoints").select(["id", "url", "description"]).where("id", "in", [...new Set(ids)]);
    if (scope.tenant !== null) q = q.where("tenant", "=", scope.tenant);
    return new Map((await q.execute()).map((r) => [r.id, { url: r.url, description: r.description }]));
  }
}
