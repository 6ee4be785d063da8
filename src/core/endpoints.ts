import type { Config, EndpointConfig } from "../config/schema.ts";
import type { EndpointRow } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import { toMs } from "./duration.ts";
import { matchesAny } from "./patterns.ts";
import type { RetryPolicy } from "./retry.ts";
import { DEFAULT_HEADER, type SchemeName } from "./signing.ts";
import { isSecretHeaderName } from "../outbound/header-rules.ts";

import type { EventView, HeaderFn } from "./event-view.ts";
export type { EventView, HeaderFn } from "./event-view.ts";

/** Per-endpoint settings an API endpoint keeps in its `options` column, and a config endpoint in the file. */
export interface EndpointOptions {
  schedule?: (string | number)[];
  timeoutMs?: number;
  autoDisableAfter?: number;
  autoDisableWindow?: string | number;
  rateLimit?: number;
  maxConcurrency?: number;
}

/** An endpoint as the dispatcher uses it: the stored row plus the config-only functions, policy resolved. */
export interface RuntimeEndpoint {
  id: string;
  url: string;
  enabled: boolean;
  events: string[];
  scheme: SchemeName;
  header: string | null;
  /** Newest first; the previous secret stays while its grace period runs. */
  secrets: string[];
  /** Until when the second of `secrets` (the one before a rotation) still signs, in unix ms. */
  previousUntil: number | null;
  headers: Record<string, string | HeaderFn>;
  auth: { type: "basic"; username: string; password: string } | { type: "bearer"; token: string } | null;
  transform: ((event: EventView) => unknown) | null;
  retry: RetryPolicy;
  timeoutMs: number;
  autoDisableAfter: number;
  autoDisableWindowMs: number;
  circuitBreakerAfter: number;
  maxConcurrency: number;
  rateLimit: number | null;
}

/** Encrypts secrets at rest; the admin layer provides a real one. */
export interface SecretCodec {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}
export const plainCodec: SecretCodec = { encrypt: (s) => s, decrypt: (s) => s };

type ReceiverAuth = NonNullable<RuntimeEndpoint["auth"]>;

/** Receiver credentials at rest: the password or token encrypted like signing secrets; the rest readable. */
export function sealAuth(auth: ReceiverAuth, codec: SecretCodec): ReceiverAuth {
  return auth.type === "basic" ? { ...auth, password: codec.encrypt(auth.password) } : { ...auth, token: codec.encrypt(auth.token) };
}

export function openAuth(stored: string | null, codec: SecretCodec): ReceiverAuth | null {
  if (!stored) return null;
  const auth = JSON.parse(stored) as ReceiverAuth;
  return auth.type === "basic" ? { ...auth, password: codec.decrypt(auth.password) } : { ...auth, token: codec.decrypt(auth.token) };
}

/** A header as the `headers` column keeps it: plain text, or sealed like `auth` when its name looks secret. */
export type StoredHeaderValue = string | { sealed: string };

/** Headers at rest: values of secret-looking names (isSecretHeaderName) are encrypted; the rest stay readable. */
export function sealHeaders(headers: Record<string, string>, codec: SecretCodec): Record<string, StoredHeaderValue> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, isSecretHeaderName(name) ? { sealed: codec.encrypt(value) } : value]));
}

/** The headers to send. A plain value under a secret-looking name (a row from before sealing) is used as it is. */
export function openHeaders(stored: string, codec: SecretCodec): Record<string, string> {
  const headers = JSON.parse(stored) as Record<string, StoredHeaderValue>;
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, typeof value === "string" ? value : codec.decrypt(value.sealed)]));
}

export class EndpointRegistry {
  private byId = new Map<string, RuntimeEndpoint>();
  private byType = new Map<string, RuntimeEndpoint[]>();
  private configById: Map<string, EndpointConfig>;

  constructor(private readonly store: Store, private readonly config: Config, readonly codec: SecretCodec = plainCodec) {
    this.configById = new Map(config.endpoints.map((e) => [e.id, e]));
  }

  /** Writes the config's endpoints into the store (keyed by id), then loads everything. */
  async reconcile(): Promise<void> {
    await this.store.reconcileConfigEndpoints(this.config.endpoints.map((e) => ({
      id: e.id, url: e.url, description: e.description, events: JSON.stringify(e.events), enabled: e.enabled ? 1 : 0,
      managed_by: "config" as const,
      headers: JSON.stringify(sealHeaders(Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k, typeof v === "function" ? "(function)" : v])), this.codec)),
      auth: e.auth ? JSON.stringify(sealAuth(e.auth, this.codec)) : null,
      signing_scheme: e.signing.scheme, signing_header: e.signing.header ?? null,
      secret: e.secret ? this.codec.encrypt(e.secret) : null,
      options: JSON.stringify({ schedule: e.schedule, timeoutMs: e.timeoutMs, autoDisableAfter: e.autoDisableAfter, autoDisableWindow: e.autoDisableWindow, rateLimit: e.rateLimit, maxConcurrency: e.maxConcurrency }),
    })));
    await this.refresh();
  }

  async refresh(): Promise<void> {
    const rows = await this.store.listEndpoints();
    const now = Date.now();
    this.byId = new Map(rows.map((row) => [row.id, this.toRuntime(row, now)]));
    this.byType.clear();
  }

  get(id: string): RuntimeEndpoint | undefined { return this.byId.get(id); }
  all(): RuntimeEndpoint[] { return [...this.byId.values()]; }

  /** Every endpoint subscribed to the type, enabled or not: a disabled one's deliveries wait for it. */
  subscribed(type: string): RuntimeEndpoint[] {
    let out = this.byType.get(type);
    if (out) return out;
    out = [];
    for (const endpoint of this.byId.values()) if (matchesAny(type, endpoint.events)) out.push(endpoint);
    // Fan-out runs per event on the ingest path: match each type once per endpoint set, not once per event.
    // Without a catalog, clients choose the types, so the memo is bounded.
    if (this.byType.size >= 10_000) this.byType.clear();
    this.byType.set(type, out);
    return out;
  }

  setEnabled(id: string, enabled: boolean): void {
    const endpoint = this.byId.get(id);
    if (endpoint) endpoint.enabled = enabled;
  }

  toRuntime(row: EndpointRow, now = Date.now()): RuntimeEndpoint {
    const fromConfig = row.managed_by === "config" ? this.configById.get(row.id) : undefined;
    const options = JSON.parse(row.options) as EndpointOptions;
    const delivery = this.config.delivery;
    const secrets = [row.secret, row.previous_secret && (row.previous_secret_until ?? 0) > now ? row.previous_secret : null]
      .filter((s): s is string => !!s).map((s) => this.codec.decrypt(s));
    const scheme = row.signing_scheme as SchemeName;
    return {
      id: row.id,
      url: row.url,
      enabled: row.enabled === 1,
      events: JSON.parse(row.events),
      scheme,
      header: row.signing_header ?? DEFAULT_HEADER[scheme],
      secrets,
      previousUntil: secrets.length > 1 ? row.previous_secret_until : null,
      headers: (fromConfig?.headers as Record<string, string | HeaderFn>) ?? openHeaders(row.headers, this.codec),
      auth: openAuth(row.auth, this.codec),
      transform: (fromConfig?.transform as RuntimeEndpoint["transform"]) ?? null,
      retry: { schedule: (options.schedule ?? delivery.schedule).map(toMs), jitter: delivery.jitter },
      timeoutMs: options.timeoutMs ?? delivery.timeoutMs,
      autoDisableAfter: options.autoDisableAfter ?? delivery.autoDisableAfter,
      autoDisableWindowMs: toMs(options.autoDisableWindow ?? delivery.autoDisableWindow),
      circuitBreakerAfter: delivery.circuitBreakerAfter,
      maxConcurrency: options.maxConcurrency ?? delivery.maxConcurrencyPerEndpoint,
      rateLimit: options.rateLimit ?? null,
    };
  }
}
