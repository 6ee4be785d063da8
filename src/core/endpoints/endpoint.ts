import type { TenantScope } from "../scope.ts";
import type { SchemeName } from "../signing.ts";
import type { ReceiverAuth, StoredHeaderValue } from "./credentials.ts";
import type { EndpointOptions } from "./options.ts";

/** A payload filter as saved: a JSON object that compileFilter accepts. */
export type EndpointFilter = Record<string, unknown>;

/**
 * An endpoint as hookgate keeps it: where one customer's (or every customer's) events go and how. The store maps
 * its rows to and from this (store/endpoint-mapping.ts); nothing outside src/store sees a row. Times are unix ms;
 * credentials are as they rest (sealed by the SecretCodec), opened only where a request is built.
 */
export interface Endpoint {
  id: string;
  /** The customer who owns it; null: a global endpoint (any tenant's events of its types). */
  tenant: string | null;
  url: string;
  description: string;
  /** Event type patterns (patterns.ts). */
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  /** A config endpoint belongs to the config file: the API may only enable or disable it. */
  managedBy: "config" | "api";
  /** Secret-looking values sealed (credentials.ts). */
  headers: Record<string, StoredHeaderValue>;
  /** The password or token sealed. */
  auth: ReceiverAuth | null;
  signing: { scheme: SchemeName; header: string | null };
  /** Sealed. Every endpoint has one, even with scheme "none", except a config endpoint that names none. */
  secret: string | null;
  /** The secret before the last rotation (sealed), signing beside the new one until `previousSecretUntil`. */
  previousSecret: string | null;
  previousSecretUntil: number | null;
  /**
   * With an Ed25519 `secret` (a `whsk_` private key): its public key, `whpk_...`, which reads show at any time; null
   * for an HMAC secret. `previousPublicKey` is the previous secret's, listed while it signs.
   */
  publicKey: string | null;
  previousPublicKey: string | null;
  consecutiveFailures: number;
  /** When the current streak of failed attempts began; null while the last attempt succeeded. */
  failingSince: number | null;
  /** The last recorded attempt that reached for the receiver, and its response status; null before one. */
  lastAttemptAt: number | null;
  lastStatusCode: number | null;
  /** Per-endpoint overrides of the delivery defaults (set ones only). */
  options: EndpointOptions;
  /** Which of its events it gets by their content (DESIGN §14, filters/filter.ts); null: all of them. */
  filter: EndpointFilter | null;
  createdAt: number;
  updatedAt: number;
}

/** What an API write may change of an endpoint (enabling goes through Store.setEndpointEnabled). */
export type EndpointUpdate = Partial<Pick<Endpoint, "url" | "events" | "description" | "headers" | "auth" | "signing" | "secret" | "previousSecret" | "previousSecretUntil" | "publicKey" | "previousPublicKey" | "options" | "filter">>;

/** What the config file decides of one of its endpoints (Store.reconcileConfigEndpoints): the rest is the store's. */
export type ConfigEndpointRecord = Pick<Endpoint, "id" | "tenant" | "url" | "description" | "events" | "enabled" | "headers" | "auth" | "signing" | "secret" | "publicKey" | "options" | "filter"> & {
  /**
   * Set when `secret` is a key pair made at this start (an ed25519 endpoint without a key in the config): the public
   * key the store held when it was made (null: none). A key pair another process wrote since stays (processes that
   * start at once on a new store each make one), so every process signs with the one the store keeps.
   */
  generatedOver?: string | null;
};

/** What the endpoint lifecycle (service.ts) asks of the store's admin queries. Every read and write takes its scope. */
export interface EndpointQueries {
  /** The endpoint, if the scope sees it. */
  endpoint(id: string, scope: TenantScope): Promise<Endpoint | undefined>;
  /** False: not in the scope, or the scope's session was revoked (or its tenant deleted) meanwhile. */
  updateEndpoint(id: string, update: EndpointUpdate, scope: TenantScope): Promise<boolean>;
  /** Removes it with its deliveries and their attempts; false as for updateEndpoint. */
  deleteEndpoint(id: string, scope: TenantScope): Promise<boolean>;
  sessionLive(scope: TenantScope): Promise<boolean>;
  /** Makes the endpoint's failed deliveries of events received in [since, until) due now; how many. */
  recover(endpointId: string, since: number, until: number, scope: TenantScope): Promise<number>;
}
