import { inScope, notFoundDetail, type TenantScope } from "../../core/scope.ts";
import type { DeliveryRow, EventRow } from "../../store/schema.ts";
import { HttpProblem } from "../problem.ts";
import type { AdminContext } from "./context.ts";

/**
 * The tenant a list shows: a session's own (a `?tenant=` naming another is 403: a session sees its tenant alone),
 * else what an admin token asked for (undefined: every tenant).
 */
export function listTenant(scope: TenantScope, asked: string | undefined): string | undefined {
  if (scope === null) return asked;
  if (asked !== undefined && asked !== scope) throw new HttpProblem(403, `this session sees tenant "${scope}" only: leave tenant out of the query, or name "${scope}"`);
  return scope;
}

/** The delivery, if the scope sees it; otherwise 404 exactly as an unknown id. */
export async function deliveryIn(ctx: AdminContext, id: string, scope: TenantScope): Promise<DeliveryRow> {
  const row = await ctx.queries.delivery(id);
  if (!row || !inScope(row, scope)) throw new HttpProblem(404, notFoundDetail("delivery", id, scope));
  return row;
}

/** The event, if the scope sees it; otherwise 404 exactly as an unknown id. */
export async function eventIn(ctx: AdminContext, id: string, scope: TenantScope): Promise<EventRow> {
  const row = await ctx.queries.event(id);
  if (!row || !inScope(row, scope)) throw new HttpProblem(404, notFoundDetail("event", id, scope));
  return row;
}
