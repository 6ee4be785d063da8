import { Elysia } from "elysia";
import type { adminAuth } from "../admin-auth.ts";
import { asProblem, narrowed, type AdminContext } from "./context.ts";
import { decodeCursor, DEFAULT_LIMIT, encodeCursor } from "./cursor.ts";
import { deliveryViews } from "./deliveries.ts";
import { errors, Event, EventsQuery, EventWithDeliveries, Id, page } from "./schemas.ts";
import { eventView } from "./views.ts";

const tags = ["events"];

/** `/events`: what the sources accepted, newest first, and one event with its deliveries. */
export function eventRoutes(ctx: AdminContext, auth: ReturnType<typeof adminAuth>) {
  return new Elysia({ name: "hookgate/admin/events" })
    .use(auth)
    .get("/events", async ({ query, scope }) => {
      const after = decodeCursor<[string]>(query.cursor, ["string"])?.[0];
      const since = query.since ? Date.parse(query.since) : undefined;
      const { rows, more } = await ctx.queries.eventsPage(narrowed(scope, query.tenant), { type: query.type, since }, after, query.limit ?? DEFAULT_LIMIT);
      return { data: rows.map(eventView), nextCursor: more ? encodeCursor([rows.at(-1)!.id]) : null };
    }, {
      admin: "read", query: EventsQuery, response: { 200: page(Event), ...errors(422) },
      detail: { tags, operationId: "listEvents", summary: "List events, newest first", description: "Filter by `type`, by `since` (received at or after) and by `tenant` (a tenant session sees its own tenant's only)." },
    })
    .get("/events/:id", async ({ params, scope }) => {
      const row = (await ctx.queries.event(params.id, scope)) ?? asProblem(scope.notFound("event", params.id));
      // A session sees only the deliveries to its own endpoints (not the global ones the event also went to).
      return { ...eventView(row), deliveries: await deliveryViews(ctx, scope, await ctx.queries.deliveriesOfEvent(row.id, scope)) };
    }, {
      admin: "read", params: Id, response: { 200: EventWithDeliveries, ...errors(404) },
      detail: { tags, operationId: "getEvent", summary: "Read an event with its deliveries", description: "A tenant session sees only the deliveries to its own endpoints." },
    });
}
