import type * as v from "valibot";
import { sentBody } from "../../core/delivery/attempt-body.ts";
import { verdictOf } from "../../core/delivery/retry.ts";
import { MASK } from "../../core/endpoints/credentials.ts";
import type { Endpoint as StoredEndpoint } from "../../core/endpoints/endpoint.ts";
import { optionsView } from "../../core/endpoints/options.ts";
import { isSecretHeaderName } from "../../outbound/header-rules.ts";
import type { EndpointStats as StoredStats } from "../../store/admin-queries.ts";
import type { AttemptRow, DeliveryRow, EventRow, SourceStateTable } from "../../store/schema.ts";
import type { Attempt, Delivery, Endpoint, EndpointStats, Event, PublicKeys, Source } from "./schemas.ts";

/** Stored endpoints and rows (unix ms, JSON text) → API objects (ISO-8601, JSON values). The secret never leaves here. */
const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function endpointView(endpoint: StoredEndpoint): v.InferOutput<typeof Endpoint> {
  const auth = endpoint.auth;
  return {
    id: endpoint.id,
    tenant: endpoint.tenant,
    url: endpoint.url,
    description: endpoint.description,
    events: endpoint.events,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    managedBy: endpoint.managedBy,
    // Secret-looking headers are write-only like auth: shown as the mask, whether sealed or from an older row.
    headers: Object.fromEntries(Object.entries(endpoint.headers)
      .map(([name, value]) => [name, isSecretHeaderName(name) || typeof value !== "string" ? MASK : value])),
    auth: auth === null ? null : auth.type === "basic" ? { type: "basic", username: auth.username, password: MASK } : { type: "bearer", token: MASK },
    signing: endpoint.signing.scheme === "ed25519" && endpoint.publicKey ? { ...endpoint.signing, publicKey: endpoint.publicKey } : endpoint.signing,
    filter: endpoint.filter,
    ...optionsView(endpoint.options),
    createdAt: iso(endpoint.createdAt),
    updatedAt: iso(endpoint.updatedAt),
  };
}

/** The Ed25519 public keys that sign now: the current one, and the previous one while its grace runs. */
export function publicKeysView(endpoint: StoredEndpoint, now: number): v.InferOutput<typeof PublicKeys> {
  if (endpoint.signing.scheme !== "ed25519" || !endpoint.publicKey) return { data: [] };
  const until = endpoint.previousSecretUntil;
  const previous = endpoint.previousPublicKey && until !== null && until > now
    ? [{ publicKey: endpoint.previousPublicKey, status: "previous" as const, expiresAt: iso(until) }] : [];
  return { data: [{ publicKey: endpoint.publicKey, status: "current", expiresAt: null }, ...previous] };
}

/**
 * `event` rebuilds the body of an attempt that sent the default envelope (stored as null to keep records small);
 * without it such a body reads as "".
 */
export function attemptView(row: AttemptRow, event?: EventRow): v.InferOutput<typeof Attempt> {
  return {
    id: row.id,
    number: row.number,
    trigger: row.trigger,
    outcome: verdictOf(row.status_code) === "succeeded" && row.error === null ? "succeeded" : "failed",
    startedAt: iso(row.started_at),
    url: row.url,
    requestHeaders: JSON.parse(row.request_headers),
    requestBody: sentBody(row.request_body, event),
    statusCode: row.status_code,
    responseHeaders: JSON.parse(row.response_headers),
    responseBody: row.response_body,
    durationMs: row.duration_ms,
    error: row.error,
  };
}

export function deliveryView(row: DeliveryRow, event: EventRow | undefined, attempts: AttemptRow[], endpoint?: { url: string; description: string }): v.InferOutput<typeof Delivery> {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: event?.type ?? "",
    endpointId: row.endpoint_id,
    endpointUrl: endpoint?.url ?? null,
    endpointDescription: endpoint?.description ?? null,
    tenant: row.tenant,
    status: row.status,
    orderingKey: event?.ordering_key ?? null,
    attempts: attempts.map((a) => attemptView(a, event)),
    // While an attempt is in flight the store holds its lease's end; a finished delivery has none.
    nextAttemptAt: row.status === "pending" || row.status === "retrying" ? isoOrNull(row.next_attempt_at) : null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function eventView(row: EventRow): v.InferOutput<typeof Event> {
  return {
    id: row.id,
    type: row.type,
    tenant: row.tenant,
    source: row.source,
    timestamp: row.timestamp,
    receivedAt: iso(row.received_at),
    idempotencyKey: row.idempotency_key,
    orderingKey: row.ordering_key ?? null,
    data: JSON.parse(row.data),
  };
}

export function sourceView(source: { id: string; type: string }, state: SourceStateTable | undefined, runningOn: string | null): v.InferOutput<typeof Source> {
  return {
    id: source.id,
    type: source.type,
    status: state?.status ?? "starting",
    lastError: state?.last_error ?? null,
    cursor: state?.cursor ? JSON.parse(state.cursor) : null,
    updatedAt: state ? iso(state.updated_at) : null,
    runningOn,
  };
}

export function statsView(since: number, stats: StoredStats): v.InferOutput<typeof EndpointStats> {
  return { since: iso(since), ...stats.counts, lastAttemptAt: isoOrNull(stats.lastAttempt?.startedAt ?? null), lastStatusCode: stats.lastAttempt?.statusCode ?? null };
}
