import { attemptNumber, leasesAtIngest } from "../core/lease.ts";
import type { EventRow } from "./schema.ts";
import type { ClaimedDelivery, IngestItem, IngestOutcome } from "./types.ts";

/** Rows per statement for batched writes: well under SQLite's and Postgres' parameter limits. */
export const chunks = <T>(items: T[], size = 500): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/** A delivery as ingest writes it: pending, unattempted, one lease counted when the dispatcher took it at once. */
export function newDelivery(eventId: string, d: IngestItem["deliveries"][number], now: number) {
  return {
    id: d.id, event_id: eventId, endpoint_id: d.endpoint_id, status: "pending" as const, attempts: 0, leases: leasesAtIngest(d.leased),
    next_attempt_at: d.next_attempt_at, tenant: d.tenant ?? null, ordering_key: d.ordering_key ?? null, held_since: null, created_at: now, updated_at: now,
  };
}

/** The event a duplicate resolves to, with how many deliveries it has. */
export interface Original { id: string; deliveries: number }

const keyOf = (e: Pick<EventRow, "source" | "dedupe_key">) => `${e.source}\u0000${e.dedupe_key}`;

/** The duplicates' keys, each once: every duplicate of one key resolves to the same original. */
export function duplicateKeys(items: IngestItem[], inserted: boolean[]): Map<string, Pick<EventRow, "source" | "dedupe_key">> {
  const keys = new Map<string, Pick<EventRow, "source" | "dedupe_key">>();
  items.forEach((item, k) => { if (!inserted[k]) keys.set(keyOf(item.event), item.event); });
  return keys;
}

/**
 * Ingest's answer per item, from which items were inserted and the originals looked up by `duplicateKeys`. The
 * originals are looked up after this batch's deliveries exist, so a duplicate within the batch counts them.
 */
export function ingestOutcomes(items: IngestItem[], inserted: boolean[], originals: Map<string, Original>): IngestOutcome[] {
  return items.map((item, k) => inserted[k]
    ? { id: item.event.id, deliveries: item.deliveries.length, duplicate: false }
    : { ...originals.get(keyOf(item.event))!, duplicate: true });
}

/** A delivery row as a claim returns it: `leases` already counts this claim. */
export interface ClaimedRow { id: string; endpoint_id: string; leases: number; event_id: string; ordering_key: string | null; held_since: number | null }

export const eventIdsOf = (claimed: ClaimedRow[]): string[] => [...new Set(claimed.map((c) => c.event_id))];

/** Pairs claimed rows with their events; the attempt takes the lease's number. A row whose event is gone is dropped. */
export function claimedDeliveries(claimed: ClaimedRow[], events: EventRow[]): ClaimedDelivery[] {
  const byId = new Map(events.map((e) => [e.id, e]));
  return claimed.flatMap((c) => {
    const event = byId.get(c.event_id);
    return event ? [{ id: c.id, endpoint_id: c.endpoint_id, attempt: attemptNumber(c.leases), event, orderingKey: c.ordering_key, heldSince: c.held_since === null ? null : Number(c.held_since) }] : [];
  });
}

/**
 * Tenants the store has already recorded, so ingest writes a `tenants` row (ON CONFLICT DO NOTHING) only for a
 * tenant it has not seen: a tenant exists once anything names it. Bounded in size and age: a tenant deleted since
 * (here or by another process) is recorded again within a minute of being named again.
 */
export class NotedTenants {
  private seen = new Set<string>();
  private since = Date.now();
  constructor(private readonly max = 100_000, private readonly maxAgeMs = 60_000) {}

  /** The tenants of these events not recorded yet, each once. */
  fresh(items: IngestItem[]): string[] {
    if (Date.now() - this.since > this.maxAgeMs) { this.seen.clear(); this.since = Date.now(); }
    const out = new Set<string>();
    for (const { event } of items) if (event.tenant !== null && !this.seen.has(event.tenant)) out.add(event.tenant);
    return [...out];
  }

  /** Call once the transaction that inserted them committed. */
  remember(tenants: string[]): void {
    if (this.seen.size + tenants.length > this.max) this.seen.clear();
    for (const t of tenants) this.seen.add(t);
  }
}
