import type { Insertable, Updateable } from "kysely";
import type { ConfigEndpointRecord, Endpoint, EndpointUpdate } from "../core/endpoints/endpoint.ts";
import type { EndpointRow, EndpointsTable } from "./schema.ts";

/**
 * The one place endpoint rows (0/1 flags, JSON text, snake_case) become the domain's Endpoint and back. Every
 * endpoint read and write in src/store goes through here; nothing outside src/store sees a row.
 */

/** `{}`, the common headers and options, is not parsed 100,000 times on a full load. */
const parseObject = <T>(text: string): T => (text === "{}" ? {} : JSON.parse(text)) as T;

export function toEndpoint(row: EndpointRow): Endpoint {
  return {
    id: row.id,
    tenant: row.tenant,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as string[],
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    managedBy: row.managed_by,
    headers: parseObject(row.headers),
    auth: row.auth === null ? null : JSON.parse(row.auth),
    signing: { scheme: row.signing_scheme as Endpoint["signing"]["scheme"], header: row.signing_header },
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretUntil: row.previous_secret_until,
    publicKey: row.public_key,
    previousPublicKey: row.previous_public_key,
    consecutiveFailures: row.consecutive_failures,
    failingSince: row.failing_since,
    lastAttemptAt: row.last_attempt_at,
    lastStatusCode: row.last_status_code,
    options: parseObject(row.options),
    filter: row.filter === null ? null : JSON.parse(row.filter),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const filterText = (filter: Endpoint["filter"]) => (filter === null ? null : JSON.stringify(filter));

/** The columns the config decides (reconcileConfigEndpoints). */
export function configColumns(record: ConfigEndpointRecord) {
  return {
    id: record.id, tenant: record.tenant, url: record.url, description: record.description, events: JSON.stringify(record.events),
    enabled: record.enabled ? 1 : 0, managed_by: "config" as const, headers: JSON.stringify(record.headers),
    auth: record.auth === null ? null : JSON.stringify(record.auth), signing_scheme: record.signing.scheme, signing_header: record.signing.header,
    secret: record.secret, public_key: record.publicKey, options: JSON.stringify(record.options), filter: filterText(record.filter),
  } satisfies Updateable<EndpointsTable>;
}

export function endpointRow(endpoint: Endpoint): Insertable<EndpointsTable> {
  return {
    ...configColumns(endpoint),
    managed_by: endpoint.managedBy,
    disabled_reason: endpoint.disabledReason,
    previous_secret: endpoint.previousSecret,
    previous_secret_until: endpoint.previousSecretUntil,
    previous_public_key: endpoint.previousPublicKey,
    consecutive_failures: endpoint.consecutiveFailures,
    failing_since: endpoint.failingSince,
    last_attempt_at: endpoint.lastAttemptAt,
    last_status_code: endpoint.lastStatusCode,
    created_at: endpoint.createdAt,
    updated_at: endpoint.updatedAt,
  };
}

/** The columns an update sets: only the fields it names. */
export function updateColumns(update: EndpointUpdate): Updateable<EndpointsTable> {
  const set: Updateable<EndpointsTable> = {};
  if (update.url !== undefined) set.url = update.url;
  if (update.events !== undefined) set.events = JSON.stringify(update.events);
  if (update.description !== undefined) set.description = update.description;
  if (update.headers !== undefined) set.headers = JSON.stringify(update.headers);
  if (update.auth !== undefined) set.auth = update.auth === null ? null : JSON.stringify(update.auth);
  if (update.signing !== undefined) { set.signing_scheme = update.signing.scheme; set.signing_header = update.signing.header; }
  if (update.secret !== undefined) set.secret = update.secret;
  if (update.previousSecret !== undefined) set.previous_secret = update.previousSecret;
  if (update.previousSecretUntil !== undefined) set.previous_secret_until = update.previousSecretUntil;
  if (update.publicKey !== undefined) set.public_key = update.publicKey;
  if (update.previousPublicKey !== undefined) set.previous_public_key = update.previousPublicKey;
  if (update.options !== undefined) set.options = JSON.stringify(update.options);
  if (update.filter !== undefined) set.filter = filterText(update.filter);
  return set;
}
