import { InvalidEventsError, type EmitOptions, type EmitResult, type EventInput } from "./event-input.ts";
import type { Logger } from "./logger.ts";
import type { IngestItem, SourceCursorWrite, Store } from "../store/types.ts";
import type { Dispatcher } from "./delivery/dispatcher.ts";
import type { EndpointRegistry } from "./endpoints/registry.ts";
import { filterInput } from "./filters/filter.ts";
import { toEventRow, validateEvent } from "./events.ts";
import { newId } from "./ids.ts";
import { OPERATIONAL_CATALOG, OPERATIONAL_SOURCE } from "./operational-events.ts";
import type { Catalog } from "./values.ts";

/** Counts stored events (metrics); called once per emit after its commit, with how many were new. */
export interface IngestObserver {
  ingested(source: string, events: number): void;
}

export interface IngestOptions {
  observer?: IngestObserver;
  /** Writes a debug line per stored event; only given when debug lines are written (no fields built otherwise). */
  debugLog?: Logger | null;
}

interface Pending {
  source: string;
  items: IngestItem[];
  cursor: SourceCursorWrite | null;
  resolve(results: EmitResult[]): void;
  reject(error: unknown): void;
}

/**
 * Turns emitted events into stored events and deliveries. Emits arriving in the same turn of the event
 * loop share one transaction (group commit), so a durable fsync per commit does not cap throughput.
 */
export class Ingest {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(
    private readonly store: Store,
    private readonly registry: EndpointRegistry,
    private readonly dispatcher: Dispatcher,
    private catalog: Catalog,
    private readonly options: IngestOptions = {},
  ) {}

  /** A reloaded catalog applies to the next emit. */
  setCatalog(catalog: Catalog): void { this.catalog = catalog; }

  /** Validates without storing; problems carry `[i].path` when several events are checked. */
  validate(inputs: unknown[]): { path: string; message: string }[] {
    return inputs.flatMap((input, i) => validateEvent(input, this.catalog).map((p) => ({
      path: inputs.length > 1 ? `[${i}]${p.path ? (p.path.startsWith("[") ? "" : ".") + p.path : ""}` : p.path || "(event)",
      message: p.message,
    })));
  }

  emit(source: string, inputs: EventInput[], options: EmitOptions = {}): Promise<EmitResult[]> {
    const problems = this.validate(inputs);
    if (problems.length) return Promise.reject(new InvalidEventsError(problems));
    return this.enqueue(source, inputs, options, null);
  }

  /**
   * One of hookgate's own events (operational-events.ts), checked against their catalog. `about`: the endpoint it
   * is about, which never gets a delivery of it (a report about E sent to E could only add to E's trouble). One that
   * no endpoint would get (none of its tenant's or the global ones subscribes) is not stored: resolves with none.
   */
  emitOperational(input: EventInput, about: string | null): Promise<EmitResult[]> {
    const problems = validateEvent(input, OPERATIONAL_CATALOG, true);
    if (problems.length) return Promise.reject(new InvalidEventsError(problems));
    // Else every failed delivery would store one more event, delivered to no one.
    if (!this.registry.subscribed(input.type, input.tenant ?? null).some((endpoint) => endpoint.id !== about)) return Promise.resolve([]);
    return this.enqueue(OPERATIONAL_SOURCE, [input], {}, about);
  }

  private enqueue(source: string, inputs: EventInput[], options: EmitOptions, about: string | null): Promise<EmitResult[]> {
    const now = Date.now();
    const items = inputs.map((input): IngestItem => {
      const event = toEventRow(newId("evt", now), source, input, now, options.idempotencyScope);
      const deliveries: IngestItem["deliveries"] = [];
      // What payload filters see (DESIGN §14), built once per event and only when a filter is evaluated. An event
      // a filter does not match creates no delivery for that endpoint.
      const view = () => filterInput({ ...input, tenant: event.tenant });
      for (const endpoint of this.registry.recipients(input.type, event.tenant, view)) {
        if (endpoint.id === about) continue;
        // A delivery's tenant is its endpoint's: a tenant's delivery log never shows a global endpoint.
        if (endpoint.ordering !== null) {
          // Written waiting; the store lets the first of its key go, and the dispatcher claims it (DESIGN §13).
          deliveries.push({ id: newId("dlv", now), endpoint_id: endpoint.id, tenant: endpoint.tenant, next_attempt_at: null, ordering_key: event.ordering_key ?? "" });
          continue;
        }
        const { due, leased } = this.dispatcher.reserve(endpoint, now);
        deliveries.push({ id: newId("dlv", now), endpoint_id: endpoint.id, tenant: endpoint.tenant, next_attempt_at: due, leased });
      }
      return { event, deliveries };
    });
    return new Promise((resolve, reject) => {
      this.queue.push({ source, items, cursor: "state" in options ? { id: source, cursor: options.state } : null, resolve, reject });
      if (!this.flushing) { this.flushing = true; setImmediate(() => this.flush()); }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    const items = batch.flatMap((p) => p.items);
    try {
      const outcomes = await this.store.ingest(items, batch.flatMap((p) => (p.cursor ? [p.cursor] : [])));
      let i = 0;
      for (const pending of batch) {
        const results = outcomes.slice(i, i + pending.items.length);
        i += pending.items.length;
        pending.resolve(results);
        if (this.options.observer || this.options.debugLog) this.observe(pending, results);
      }
      items.forEach((item, k) => this.dispatcher.handOff(item, outcomes[k]!.duplicate));
    } catch (error) {
      for (const item of items) this.dispatcher.handOff(item, true);
      for (const pending of batch) pending.reject(error);
    } finally {
      if (this.queue.length) setImmediate(() => this.flush());
      else this.flushing = false;
    }
  }

  private observe(pending: Pending, results: EmitResult[]): void {
    let stored = 0;
    for (const r of results) if (!r.duplicate) stored++;
    if (stored) this.options.observer?.ingested(pending.source, stored);
    const log = this.options.debugLog;
    if (log) pending.items.forEach((item, k) => log.debug("event accepted", {
      event: results[k]!.id, source: pending.source, type: item.event.type, tenant: item.event.tenant, deliveries: item.deliveries.length, duplicate: results[k]!.duplicate,
    }));
  }

  /** Resolves when every emit accepted so far is committed (for shutdown). */
  async idle(): Promise<void> {
    while (this.flushing || this.queue.length) await Bun.sleep(5);
  }
}
