import * as v from "valibot";
import type { EventInput } from "./event-input.ts";
import type { Logger } from "./logger.ts";
import type { EventRow } from "../store/schema.ts";
import type { AttemptOutcome } from "../store/types.ts";
import { isOperationalType } from "./patterns.ts";
export { isOperationalType, OPERATIONAL_PREFIX } from "./patterns.ts";

/**
 * hookgate's own events (DESIGN 11): stored and delivered like any event, so a vendor's endpoint can tell its
 * customer "your endpoint was disabled". The loop rules live where they act: `*` does not match them
 * (patterns.ts), one about endpoint E is never sent to E (Ingest.emitOperational), and a failed delivery of one
 * emits none (deliveryFailed). Payloads are small and never carry a secret.
 */

/** The source name their events are stored under. */
export const OPERATIONAL_SOURCE = "hookgate";

const Iso = v.pipe(v.string(), v.isoTimestamp());

export const OPERATIONAL_CATALOG = {
  "hookgate.endpoint.disabled": {
    description: "An endpoint was disabled: automatically (a 410 Gone, or a sustained streak of failed attempts) or by an admin. Its deliveries wait until it is enabled again.",
    schema: v.object({ endpointId: v.string(), url: v.string(), reason: v.string(), disabledAt: Iso }),
  },
  "hookgate.endpoint.enabled": {
    description: "An endpoint was enabled again (by an admin); its waiting deliveries resume.",
    schema: v.object({ endpointId: v.string(), url: v.string(), enabledAt: Iso }),
  },
  "hookgate.delivery.exhausted": {
    description: "A delivery ended failed: its retry schedule ran out, or the receiver answered a status that fails it for good. It is not tried again unless recovered or retried.",
    schema: v.object({
      deliveryId: v.string(), eventId: v.string(), eventType: v.string(), endpointId: v.string(), attempts: v.number(),
      lastStatusCode: v.nullable(v.number()), lastError: v.nullable(v.string()),
    }),
  },
  "hookgate.secret.rotated": {
    description: "An endpoint's signing secret was rotated; the previous one keeps signing until previousSecretExpiresAt (null: it stopped at once).",
    schema: v.object({ endpointId: v.string(), rotatedAt: Iso, previousSecretExpiresAt: v.nullable(Iso) }),
  },
  "hookgate.source.error": {
    description: "A source started failing (a poll or Postgres source that cannot read, a source that cannot start). Sent once when it fails, again only after it ran again.",
    schema: v.object({ source: v.string(), status: v.string(), error: v.nullable(v.string()) }),
  },
} satisfies Record<string, { description: string; schema: v.GenericSchema }>;

export type OperationalType = keyof typeof OPERATIONAL_CATALOG;
type Payload<T extends OperationalType> = v.InferOutput<(typeof OPERATIONAL_CATALOG)[T]["schema"]>;

/** Stores one operational event; `about`: the endpoint it is about, which never receives it. */
export type OperationalEmit = (input: EventInput, about: string | null) => Promise<unknown>;

/** The endpoint an event is about: enough to name it, nothing secret. */
export interface EndpointRef { id: string; url: string; tenant: string | null }

/** An endpoint URL as the events show it: origin and path, no credentials or query (a query may hold a token). */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "";
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Emits the operational events; each is fire-and-forget for its caller, a store failure is logged. */
export class OperationalEvents {
  constructor(private readonly emit: OperationalEmit, private readonly log: Logger) {}

  endpointDisabled(endpoint: EndpointRef, reason: string, at = Date.now()): void {
    this.send("hookgate.endpoint.disabled", endpoint.tenant, endpoint.id, { endpointId: endpoint.id, url: shownUrl(endpoint.url), reason, disabledAt: iso(at) });
  }

  endpointEnabled(endpoint: EndpointRef, at = Date.now()): void {
    this.send("hookgate.endpoint.enabled", endpoint.tenant, endpoint.id, { endpointId: endpoint.id, url: shownUrl(endpoint.url), enabledAt: iso(at) });
  }

  /**
   * A delivery's final failure, committed. Said only at the end of its schedule: an admin's retry or test shows its
   * answer at once, and a failed delivery of an operational event says nothing (no cascade: each report would fail
   * at the same receiver again).
   */
  deliveryFailed(endpoint: EndpointRef, { attempt, delivery }: AttemptOutcome, event: EventRow): void {
    if (attempt.trigger !== "scheduled" || isOperationalType(event.type)) return;
    this.send("hookgate.delivery.exhausted", endpoint.tenant, endpoint.id, {
      deliveryId: delivery.id, eventId: event.id, eventType: event.type, endpointId: endpoint.id, attempts: delivery.attempts,
      lastStatusCode: attempt.status_code ?? null, lastError: attempt.error ?? null,
    });
  }

  secretRotated(endpoint: EndpointRef, previousUntil: number | null, at = Date.now()): void {
    this.send("hookgate.secret.rotated", endpoint.tenant, endpoint.id, { endpointId: endpoint.id, rotatedAt: iso(at), previousSecretExpiresAt: previousUntil === null ? null : iso(previousUntil) });
  }

  /** Sources belong to no tenant: the event goes to global endpoints only. */
  sourceError(source: string, status: string, error: string | null): void {
    this.send("hookgate.source.error", null, null, { source, status, error });
  }

  private send<T extends OperationalType>(type: T, tenant: string | null, about: string | null, data: Payload<T>): void {
    const input: EventInput = tenant === null ? { type, data } : { type, data, tenant };
    this.emit(input, about).catch((e) => this.log.error("operational event not stored", { type, about, error: String(e) }));
  }
}
