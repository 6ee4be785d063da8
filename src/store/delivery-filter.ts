import type { Kysely } from "kysely";
import { idFloor } from "../core/ids.ts";
import type { TenantScope } from "../core/scope.ts";
import type { DB, DeliveryStatus } from "./schema.ts";

/** What the delivery log is filtered by, in the cursor-paged list and the numbered one alike. */
export interface DeliveryFilter { endpoint?: string; status?: DeliveryStatus; event?: string; type?: string; since?: number; until?: number }

/** The deliveries the scope sees that pass the filter, not yet selected or ordered. */
export function filteredDeliveries(db: Kysely<DB>, scope: TenantScope, filter: DeliveryFilter) {
  let q = db.selectFrom("deliveries");
  if (scope.tenant !== null) q = q.where("tenant", "=", scope.tenant);
  if (filter.endpoint) q = q.where("endpoint_id", "=", filter.endpoint);
  if (filter.status) q = q.where("status", "=", filter.status);
  if (filter.event) q = q.where("event_id", "=", filter.event);
  const type = filter.type;
  if (type) q = q.where("event_id", "in", (eb) => eb.selectFrom("events").select("id").where("type", "=", type));
  // The id carries the time its event was accepted: a time range is an id range.
  if (filter.since !== undefined) q = q.where("id", ">=", idFloor("dlv", filter.since));
  if (filter.until !== undefined) q = q.where("id", "<", idFloor("dlv", filter.until));
  return q;
}
