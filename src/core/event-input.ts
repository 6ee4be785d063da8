// What a source emits into core: core declares it, the plugin API re-exports it.

/** What a source hands to `ctx.emit`: one event. `id` is its idempotency key within the source and the event's tenant. */
export interface EventInput {
  type: string;
  data: unknown;
  id?: string;
  timestamp?: string;
  /** The customer (tenant) the event belongs to: it reaches that tenant's endpoints and the global ones only. */
  tenant?: string;
  /** Events of one key reach an endpoint with `ordering` in the order hookgate accepted them (DESIGN §13). */
  orderingKey?: string;
}

export interface EmitOptions {
  /** The source's new cursor, committed with the events. */
  state?: unknown;
  /**
   * Narrows idempotency keys from the source to (source, scope): the same `id` under another scope is another
   * event. The http source passes the token's name, so one client's keys never collide with another's.
   */
  idempotencyScope?: string;
}

export interface EmitResult {
  id: string;
  deliveries: number;
  duplicate: boolean;
}

/** Problems with an emitted batch: nothing of the batch was stored. */
export class InvalidEventsError extends Error {
  constructor(readonly problems: { path: string; message: string }[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join("; "));
    this.name = "InvalidEventsError";
  }
}
