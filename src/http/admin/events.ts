import { Elysia } from "elysia";
import type { adminAuth } from "../auth.ts";
import { HttpProblem } from "../problem.ts";
import type { AdminContext } from "./context.ts";
import { decodeCursor, DEFAULT_LIMIT, encodeCursor } from "./cursor.ts";
import { deliveryViews } from "./deliveries.ts";
import { errors, Event, EventsQuery, EventWithDeliveries, Id, page } from "./schemas.ts";
import { eventView } from "./views.ts";

const tags = ["events"];

/** `/events`: what the sources accepted, newest first, and one event with its deliveries. */
export function eventRoutes(ctx: AdminContext, auth: ReturnType<typeof adminAuth>) {
  return new Elysia({ name: "hookgate/admin/events" })
    .use(auth)
    .get("/events", async ({ query }) => {
      const after = decodeCursor<[string]>(query.cursor, ["string"])?.[0];
      const since = query.since ? Date.parse(query.since) : undefined;
      const { rows, more } = await ctx.queries.eventsPage({ type: query.type, since }, after, query.limit ?? DEFAULT_LIMIT);
      return { data: rows.map(eventView), nextCursor: more ? encodeCursor([rows.at(-1)!.id]) : null };
    }, {
      admin: "read", query: EventsQuery, response: { 200: page(Event), ...errors(422) },
      detail: { tags, operationId: "listEvents", summary: "List events, newest first", description: "Filter by `type` and by `since` (received at or after)." },
    })
    .get("/events/:id", async ({ params }) => {
      const row = await ctx.queries.event(params.id);
      if (!row) throw new HttpProblem(404, `no event "${params.id}"`);
      return { ...eventView(row), deliveries: await deliveryViews(ctx, await ctx.queries.deliveriesOfEvent(row.id)) };
    }, {
      admin: "read", params: Id, response: { 200: EventWithDeliveries, ...errors(404) },
      detail: { tags, operationId: "getEvent", summary: "Read an event with its deliveries" },
    });
}
