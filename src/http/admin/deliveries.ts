import { Elysia } from "elysia";
import type { DeliveryRow } from "../../store/schema.ts";
import type { TenantScope } from "../../core/scope.ts";
import type { adminAuth } from "../admin-auth.ts";
import { HttpProblem } from "../problem.ts";
import { audit } from "./audit.ts";
import { asProblem, narrowed, type AdminContext } from "./context.ts";
import { decodeCursor, DEFAULT_LIMIT, encodeCursor } from "./cursor.ts";
import { DeliveriesQuery, Delivery, EmptyBody, errors, Id, ManualAttempt, numberedPage } from "./schemas.ts";
import { attemptView, deliveryView } from "./views.ts";

const tags = ["deliveries"];

/** Deliveries as the API shows them: each with its event type and every attempt. */
export async function deliveryViews(ctx: AdminContext, scope: TenantScope, rows: DeliveryRow[]) {
  const ids = rows.map((r) => r.id);
  const [attempts, events, endpoints] = await Promise.all([
    ctx.queries.attemptsOf(ids), ctx.queries.eventsById(rows.map((r) => r.event_id), scope), ctx.queries.lists.endpointNames(rows.map((r) => r.endpoint_id), scope),
  ]);
  return rows.map((row) => deliveryView(row, events.get(row.event_id), attempts.get(row.id) ?? [], endpoints.get(row.endpoint_id)));
}

/** `/deliveries`: the delivery log with every attempt, and a manual retry. */
export function deliveryRoutes(ctx: AdminContext, auth: ReturnType<typeof adminAuth>) {
  return new Elysia({ name: "hookgate/admin/deliveries" })
    .use(auth)
    .get("/deliveries", async ({ query, scope }) => {
      const listed = narrowed(scope, query.tenant);
      const limit = query.limit ?? DEFAULT_LIMIT;
      const filter = { endpoint: query.endpoint, status: query.status, event: query.event, type: query.type };
      const range = { since: query.since === undefined ? undefined : Date.parse(query.since), until: query.until === undefined ? undefined : Date.parse(query.until) };
      if (query.page !== undefined || range.since !== undefined || range.until !== undefined) {
        if (query.cursor) throw new HttpProblem(422, "the request query is invalid", [{ path: "query.cursor", message: "give either cursor or page, since and until" }]);
        const { rows, total } = await ctx.queries.lists.deliveries(listed, { ...filter, ...range }, ((query.page ?? 1) - 1) * limit, limit);
        return { data: await deliveryViews(ctx, listed, rows), nextCursor: null, total };
      }
      const after = decodeCursor<[string]>(query.cursor, ["string"])?.[0];
      const { rows, more } = await ctx.queries.deliveriesPage(listed, filter, after, limit);
      return { data: await deliveryViews(ctx, listed, rows), nextCursor: more ? encodeCursor([rows.at(-1)!.id]) : null };
    }, {
      admin: "read", query: DeliveriesQuery, response: { 200: numberedPage(Delivery), ...errors(422) },
      detail: {
        tags, operationId: "listDeliveries", summary: "List deliveries, newest first",
        description: "Filter by `endpoint`, `status`, `event` (an event id), `type` (its event type), `since` and `until` (when its event was accepted) and `tenant` " +
          "(its endpoint's; a tenant session sees its own tenant's only). `page`, `since` or `until` answer a numbered page with `total`; otherwise follow `nextCursor`. " +
          "Each delivery carries every attempt and its endpoint's URL and description.",
      },
    })
    .get("/deliveries/:id", async ({ params, scope }) => {
      const row = await deliveryIn(ctx, scope, params.id);
      return (await deliveryViews(ctx, scope, [row]))[0]!;
    }, {
      admin: "read", params: Id, response: { 200: Delivery, ...errors(404) },
      detail: { tags, operationId: "getDelivery", summary: "Read a delivery with every attempt", description: "Each attempt: number, time, url, request headers, status code, response headers and body (first 64 KiB), duration, error, trigger." },
    })
    .post("/deliveries/:id/retry", async ({ params, principal, scope }) => {
      const row = await deliveryIn(ctx, scope, params.id);
      const attempt = await ctx.dispatcher.attemptNow(row, "manual");
      if (!attempt) throw new HttpProblem(404, `the endpoint of delivery "${row.id}" no longer exists`);
      audit(ctx.log, principal, "delivery retried", { delivery: row.id, endpoint: row.endpoint_id, tenant: row.tenant, attempt: attempt.number, status: attempt.status_code });
      return { ...attemptView(attempt), deliveryId: row.id, eventId: row.event_id };
    }, {
      admin: "write", params: Id, body: EmptyBody, response: { 200: ManualAttempt, ...errors(400, 404, 422) },
      detail: { tags, operationId: "retryDelivery", summary: "Attempt a delivery now, whatever its status", description: "The attempt is recorded with trigger `manual`; the delivery's status follows its outcome." },
    });
}

/** The delivery, if the scope sees it; otherwise 404 exactly as an unknown id. */
async function deliveryIn(ctx: AdminContext, scope: TenantScope, id: string): Promise<DeliveryRow> {
  return (await ctx.queries.delivery(id, scope)) ?? asProblem(scope.notFound("delivery", id));
}
