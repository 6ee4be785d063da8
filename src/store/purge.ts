import type { Kysely } from "kysely";
import { idFloor } from "../core/ids.ts";
import type { DB } from "./schema.ts";

/**
 * The retention purge's reads, each a plain index read whatever the planner knows. An event's id is made from the time
 * it was received (ids.ts), so the expired ones are a range of the primary key; which of them an open delivery still
 * needs is a lookup of those ids in deliveries_event. One statement with `NOT EXISTS (… open deliveries …)` let
 * Postgres, on tables it had not analysed yet, combine deliveries_event with the whole partial deliveries_due index for
 * every event (10.8 s for 12,000 events, and growing with any backlog of open deliveries).
 */
export function expiredEvents(db: Kysely<DB>, before: number, limit: number, after: string) {
  return db.selectFrom("events").select("id")
    .where("id", ">", after).where("id", "<", idFloor("evt", before)).where("received_at", "<", before)
    .orderBy("id").limit(limit);
}

/**
 * The deliveries of these events with their status, by deliveries_event alone: a condition on the status here is what
 * let Postgres bring in the partial deliveries_due index (every open delivery) beside it.
 */
export function deliveriesOf(db: Kysely<DB>, eventIds: string[]) {
  return db.selectFrom("deliveries").select(["event_id", "status"]).where("event_id", "in", eventIds);
}

/** Which of the events these deliveries belong to still need them: one still to be sent. */
export function stillNeeded(deliveries: { event_id: string; status: string }[]): Set<string> {
  return new Set(deliveries.filter((d) => d.status === "pending" || d.status === "retrying").map((d) => d.event_id));
}
