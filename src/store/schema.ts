import type { Generated, Insertable, Selectable } from "kysely";

/** The store's tables. Times are unix milliseconds; JSON columns hold text. */
export interface EventsTable {
  id: string;
  source: string;
  type: string;
  timestamp: string;
  data: string;
  /** The client's idempotency key within its scope and tenant (core/events.ts dedupeKey), or the event id when there is none: unique per source. */
  dedupe_key: string;
  idempotency_key: string | null;
  received_at: number;
  /** The customer the event belongs to; null: a global event (global endpoints only). */
  tenant: string | null;
  /** Its ordering key (DESIGN §13); null: none (rows from before migration 012 read as none). */
  ordering_key: Generated<string | null>;
}

export interface EndpointsTable {
  id: string;
  url: string;
  description: string;
  events: string;
  enabled: number;
  disabled_reason: string | null;
  managed_by: "config" | "api";
  headers: string;
  auth: string | null;
  signing_scheme: string;
  signing_header: string | null;
  secret: string | null;
  previous_secret: string | null;
  previous_secret_until: number | null;
  /** The `whpk_` public key of an Ed25519 secret, and of the previous one (migration 011); null: HMAC. */
  public_key: Generated<string | null>;
  previous_public_key: Generated<string | null>;
  consecutive_failures: Generated<number>;
  /** When the current streak of failed attempts began (unix ms); null while the last attempt succeeded. */
  failing_since: Generated<number | null>;
  /** The last recorded attempt that reached for the receiver (unix ms) and its response status; null before one. */
  last_attempt_at: Generated<number | null>;
  last_status_code: Generated<number | null>;
  options: string;
  /** The payload filter as JSON text (DESIGN §14); null: none. */
  filter: Generated<string | null>;
  /** The customer who owns the endpoint; null: a global endpoint (any tenant's events of its types). */
  tenant: string | null;
  created_at: number;
  updated_at: number;
}

export type DeliveryStatus = "pending" | "retrying" | "succeeded" | "failed";

export interface DeliveriesTable {
  id: string;
  event_id: string;
  endpoint_id: string;
  status: DeliveryStatus;
  attempts: number;
  /**
   * How many attempts may have started: each claim counts one before the attempt is sent, so an attempt
   * resent after a crash is numbered after the one that may have gone out. Never below `attempts`.
   */
  leases: Generated<number>;
  /** When it is due; while an attempt is in flight, the end of that attempt's lease. */
  next_attempt_at: number | null;
  /** Its endpoint's tenant (a tenant's delivery log never shows a global endpoint's deliveries). */
  tenant: string | null;
  /**
   * Set only for a delivery to an endpoint with `ordering` when it was made: its event's ordering key, "" for an
   * event without one (those form one key of their own). The deliveries of one (endpoint, key) go one at a time,
   * in id order: the others wait (`next_attempt_at` and `held_since` null) until the one before ends (`promote` in sqlite-hot.ts and postgres-hot.ts).
   */
  ordering_key: Generated<string | null>;
  /** When it became its key's head (due, not waiting): `ordering.maxBlock` counts from here. */
  held_since: Generated<number | null>;
  created_at: number;
  updated_at: number;
}

export interface AttemptsTable {
  id: string;
  delivery_id: string;
  endpoint_id: string;
  number: number;
  trigger: "scheduled" | "manual";
  started_at: number;
  url: string;
  request_headers: string;
  /** The body sent (first 64 KiB); null when it was the default envelope, which reads rebuild from the event. */
  request_body: string | null;
  status_code: number | null;
  response_headers: string;
  response_body: string;
  duration_ms: number;
  error: string | null;
}

export interface SourceStateTable {
  id: string;
  cursor: string | null;
  status: string;
  last_error: string | null;
  updated_at: number;
  /** The process that took a run-once source's lock last (`<hostname>:<pid>`); see migration 008. */
  holder: string | null;
}

/** A tenant's own record. A tenant exists once anything names it; PUT /tenants/{id} sets name and metadata. */
export interface TenantsTable {
  id: string;
  name: string | null;
  /** JSON text. */
  metadata: string | null;
  created_at: number;
  updated_at: number;
}

export interface TenantSessionsTable {
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  hash: string;
  tenant: string;
  /** JSON array of "read" | "write". */
  scopes: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

/** One running hookgate process: its heartbeat says it is alive (src/cluster/members.ts). */
export interface ProcessesTable {
  /** Random, made at start. */
  id: string;
  host: string;
  pid: number;
  started_at: number;
  /** On Postgres the database's clock, so hosts whose clocks differ still agree on who is live. */
  heartbeat_at: number;
}

export interface DB {
  events: EventsTable;
  endpoints: EndpointsTable;
  deliveries: DeliveriesTable;
  attempts: AttemptsTable;
  source_state: SourceStateTable;
  tenants: TenantsTable;
  tenant_sessions: TenantSessionsTable;
  processes: ProcessesTable;
}

export type EventRow = Selectable<EventsTable>;
export type EndpointRow = Selectable<EndpointsTable>;
export type DeliveryRow = Selectable<DeliveriesTable>;
export type AttemptRow = Selectable<AttemptsTable>;
export type NewAttempt = Insertable<AttemptsTable>;
export type TenantRow = Selectable<TenantsTable>;
export type TenantSessionRow = Selectable<TenantSessionsTable>;
export type ProcessRow = Selectable<ProcessesTable>;
