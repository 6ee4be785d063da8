import type { Store } from "../../store/types.ts";
import { matchesAny } from "../patterns.ts";
import { FanOut } from "../filters/fan-out.ts";
import type { FilterInput } from "../filters/filter.ts";
import { plainCodec, resealed, sealAuth, sealHeaders, type SecretCodec } from "./credentials.ts";
import { generateKeyPair, privateKeyProblem, publicKeyText } from "../ed25519.ts";
import { isAsymmetric } from "../signing.ts";
import type { ConfigEndpointRecord, Endpoint } from "./endpoint.ts";
import { withOptionChanges } from "./options.ts";
import { toRuntime, type ConfigEndpoint, type Configured, type RuntimeEndpoint } from "./runtime.ts";
import { SharedValues } from "./shared.ts";

export type { EventView, HeaderFn } from "../event-view.ts";
export type { ConfigEndpoint, Configured, EndpointDefaults, RuntimeEndpoint } from "./runtime.ts";

/** A runtime endpoint with what the store said when it was built: a refresh rebuilds only what changed. */
interface Built { updatedAt: number; enabled: boolean; until: number | null; endpoint: RuntimeEndpoint }

/** The endpoints by id, by owner, and the enabled ones. */
interface Index {
  byId: Map<string, Built>;
  global: RuntimeEndpoint[];
  byTenant: Map<string, RuntimeEndpoint[]>;
  /** The sweep claims for these only: walking 100,000 disabled endpoints every second would cost the ingest path. */
  enabledSet: Set<RuntimeEndpoint>;
}

const emptyIndex = (): Index => ({ byId: new Map(), global: [], byTenant: new Map(), enabledSet: new Set() });

/**
 * Rows per read of a full load: one read of 100,000 rows held them all (about 100 MB) until the last was built,
 * and the process kept that memory (bench P6: RSS idle 260 MB read at once, 203 MB in pages).
 */
const LOAD_PAGE = 1_000;

export class EndpointRegistry {
  private index = emptyIndex();
  /** Global endpoints per event type, set up for fan-out (a memo). */
  private byType = new Map<string, FanOut<RuntimeEndpoint>>();
  /** A tenant's own endpoints per event type (a memo, dropped when one of the tenant's endpoints changes). */
  private byTenantType = new Map<string, Map<string, FanOut<RuntimeEndpoint>>>();
  /** The store's change version this registry reflects (its change log, migration 007). */
  private seen = 0;
  private queue: Promise<void> = Promise.resolve();
  private following: Promise<void> | null = null;
  private followAgain = false;
  private configById: Map<string, ConfigEndpoint>;
  private readonly shared = new SharedValues();
  /** Told when an enabled endpoint is disabled or removed, by any path (the API, auto-disable, another process). */
  private retired: (id: string, why: "disabled" | "deleted") => void = () => {};

  constructor(
    private readonly store: Store,
    private configured: Configured,
    readonly codec: SecretCodec = plainCodec,
  ) {
    this.configById = new Map(configured.endpoints.map((e) => [e.id, e]));
  }

  /** Writes the config's endpoints into the store (keyed by id), then loads everything. */
  async reconcile(): Promise<void> {
    const records: ConfigEndpointRecord[] = [];
    for (const e of this.configured.endpoints) {
      // What the store holds: its sealed texts are kept where they open to the config's values, so an endpoint the
      // config did not change is not written (nor its updated_at moved, nor other processes told).
      const stored = await this.store.endpoint(e.id);
      records.push({
        id: e.id, url: e.url, description: e.description, events: e.events, enabled: e.enabled, tenant: e.tenant ?? null,
        headers: sealHeaders(Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k, typeof v === "function" ? "(function)" : v])), this.codec, stored?.headers),
        auth: e.auth ? sealAuth(e.auth, this.codec, stored?.auth) : null,
        signing: { scheme: e.signing.scheme, header: e.signing.header ?? null },
        ...this.configSecret(e, stored),
        options: withOptionChanges(e),
        filter: e.filter ?? null,
      });
    }
    await this.store.reconcileConfigEndpoints(records);
    await this.store.tenants.note(this.configured.endpoints.flatMap((e) => (e.tenant ? [e.tenant] : [])), Date.now());
    await this.refresh();
  }

  /**
   * A config endpoint's sealed secret. An `ed25519` one without a key in the config keeps the key pair the store
   * holds for it (made on its first start), so its receivers' public key survives restarts and reloads.
   */
  private configSecret(e: ConfigEndpoint, stored: Endpoint | undefined): Pick<ConfigEndpointRecord, "secret" | "publicKey" | "generatedOver"> {
    if (e.secret) return { secret: resealed(e.secret, stored?.secret, this.codec), publicKey: isAsymmetric(e.signing.scheme) ? publicKeyText(e.secret) : null };
    if (!isAsymmetric(e.signing.scheme)) return { secret: null, publicKey: null };
    if (stored?.secret && stored.publicKey && privateKeyProblem(this.codec.decrypt(stored.secret)) === null) return { secret: stored.secret, publicKey: stored.publicKey };
    const fresh = generateKeyPair();
    return { secret: this.codec.encrypt(fresh.privateKey), publicKey: fresh.publicKey, generatedOver: stored?.publicKey ?? null };
  }

  /** A reloaded config: its endpoints are reconciled as at start, and every endpoint is rebuilt on the new defaults. */
  async reconfigure(configured: Configured): Promise<void> {
    this.configured = configured;
    this.configById = new Map(configured.endpoints.map((e) => [e.id, e]));
    // Marked stale so the refresh rebuilds each one; until then lookups still find the running endpoints. In turn
    // with loads: one reading its pages now builds a new index from the old one, which would drop the marks.
    await this.serially(async () => {
      this.index.byId = new Map(Array.from(this.index.byId, ([id, built]) => [id, { ...built, updatedAt: -1 }]));
    });
    await this.reconcile();
  }

  /**
   * Reloads every endpoint. A row unchanged since the last load keeps its runtime endpoint (decrypting and parsing
   * 100,000 rows every few seconds would stall ingest); one whose previous secret expired meanwhile is rebuilt.
   */
  refresh(): Promise<void> {
    return this.serially(() => this.load());
  }

  /** Reloads one endpoint after a change (0.2–0.4 s for all 100,000 rows, a single-row read for one); gone: dropped. */
  refreshOne(id: string): Promise<void> {
    return this.serially(async () => this.apply(id, await this.store.endpoint(id)));
  }

  /**
   * Follows the store's change log (any process's writes): reloads the endpoints changed since the last look, or
   * everything when the log no longer reaches back that far. The dispatcher calls it every second (a one-row read
   * when nothing changed); on Postgres a notification calls it at once. Calls while one runs make it look again.
   */
  catchUp(): Promise<void> {
    if (this.following) { this.followAgain = true; return this.following; }
    this.following = (async () => {
      do { this.followAgain = false; await this.serially(() => this.follow()); } while (this.followAgain);
    })().finally(() => { this.following = null; });
    return this.following;
  }

  private async follow(): Promise<void> {
    const version = await this.store.changes.version();
    if (version === this.seen) return;
    const changes = version < this.seen ? null : await this.store.changes.since(this.seen, 1_000);
    if (!changes) return this.load();
    for (const id of new Set(changes.map((c) => c.id))) this.apply(id, await this.store.endpoint(id));
    this.seen = changes.at(-1)?.version ?? this.seen;
  }

  /** Loads and changes of the maps run one at a time, so an older read never lands after a newer one. */
  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.then(() => {}, () => {});
    return run;
  }

  /** Every endpoint a page at a time, each built as it is read; lookups see the old index until the new one is whole. */
  private async load(): Promise<void> {
    // The version first: a change committed while the rows are read is followed again, never skipped.
    this.seen = await this.store.changes.version();
    const now = Date.now();
    const old = this.index.byId;
    const next = emptyIndex();
    for (let after: string | undefined; ;) {
      const endpoints = await this.store.listEndpoints(after, LOAD_PAGE);
      for (const stored of endpoints) place(next, this.built(stored, old.get(stored.id), now));
      if (endpoints.length < LOAD_PAGE) break;
      after = endpoints.at(-1)!.id;
    }
    this.index = next;
    this.byType.clear();
    this.byTenantType.clear();
    for (const [id, built] of old) {
      if (!built.endpoint.enabled) continue;
      const current = next.byId.get(id);
      if (!current) this.retired(id, "deleted"); else if (!current.endpoint.enabled) this.retired(id, "disabled");
    }
  }

  /** Puts one endpoint's new state (or its removal) in place of what the maps held for it. */
  private apply(id: string, stored: Endpoint | undefined): void {
    const index = this.index;
    const old = index.byId.get(id);
    if (old) {
      const endpoint = old.endpoint;
      index.byId.delete(id);
      index.enabledSet.delete(endpoint);
      const list = endpoint.tenant === null ? index.global : index.byTenant.get(endpoint.tenant);
      const at = list?.indexOf(endpoint) ?? -1;
      if (at >= 0) list!.splice(at, 1);
      if (endpoint.tenant !== null && list?.length === 0) index.byTenant.delete(endpoint.tenant);
      this.forget(endpoint.tenant);
    }
    if (stored) {
      place(index, this.rebuilt(stored, old, Date.now()));
      this.forget(stored.tenant);
    }
    if (old?.endpoint.enabled && !stored) this.retired(id, "deleted");
    else if (old?.endpoint.enabled && stored?.enabled === false) this.retired(id, "disabled");
  }

  /**
   * One changed row's runtime form, built anew: its updatedAt alone cannot tell, since two writes can share a
   * millisecond (a rotation just after a create). The object built before stays when nothing in it differs.
   */
  private rebuilt(stored: Endpoint, old: Built | undefined, now: number): Built {
    const fresh: Built = { updatedAt: stored.updatedAt, enabled: stored.enabled, until: stored.previousSecretUntil, endpoint: this.toRuntime(stored, now) };
    return old && Bun.deepEquals(old.endpoint, fresh.endpoint, true) ? { ...fresh, endpoint: old.endpoint } : fresh;
  }

  /**
   * The endpoint's runtime form in a full load: the one built before when its updatedAt has not moved. A second write
   * in the same millisecond is still followed: it is in the change log, and following a change rebuilds (`rebuilt`).
   */
  private built(stored: Endpoint, old: Built | undefined, now: number): Built {
    const until = stored.previousSecretUntil;
    if (old && old.updatedAt === stored.updatedAt && old.enabled === stored.enabled && old.until === until && (until === null || until > now)) return old;
    return { updatedAt: stored.updatedAt, enabled: stored.enabled, until, endpoint: this.toRuntime(stored, now) };
  }

  /** The dispatcher listens here to abort the attempts in flight of an endpoint that stops taking them. */
  onRetired(listener: (id: string, why: "disabled" | "deleted") => void): void { this.retired = listener; }

  get(id: string): RuntimeEndpoint | undefined { return this.index.byId.get(id)?.endpoint; }
  all(): RuntimeEndpoint[] { return Array.from(this.index.byId.values(), (b) => b.endpoint); }
  enabled(): Iterable<RuntimeEndpoint> { return this.index.enabledSet; }

  /**
   * Every endpoint an event of this type and tenant goes to, enabled or not (a disabled one's deliveries wait for
   * it): the tenant's own endpoints and the global ones, never another tenant's. Constant time per event.
   */
  subscribed(type: string, tenant: string | null = null): readonly RuntimeEndpoint[] {
    const global = this.globalFanOut(type).endpoints;
    const own = this.tenantFanOut(type, tenant)?.endpoints;
    return own?.length ? own.concat(global) : global;
  }

  /**
   * The endpoints an event goes to: `subscribed`, less those whose payload filter (DESIGN §14) it does not match.
   * `input` is what filters see, built only if one is evaluated.
   */
  recipients(type: string, tenant: string | null, input: () => FilterInput): readonly RuntimeEndpoint[] {
    const global = this.globalFanOut(type).matching(input);
    const own = this.tenantFanOut(type, tenant)?.matching(input);
    return own?.length ? own.concat(global) : global;
  }

  // Fan-out runs per event on the ingest path: match each type once per endpoint set, not once per event. Without a
  // catalog, clients choose the types, and events name any of the tenants, so both memos are bounded.
  private globalFanOut(type: string): FanOut<RuntimeEndpoint> {
    let out = this.byType.get(type);
    if (out) return out;
    out = new FanOut(this.index.global.filter((endpoint) => matchesAny(type, endpoint.events)));
    if (this.byType.size >= 10_000) this.byType.clear();
    this.byType.set(type, out);
    return out;
  }

  private tenantFanOut(type: string, tenant: string | null): FanOut<RuntimeEndpoint> | undefined {
    const own = tenant === null ? undefined : this.index.byTenant.get(tenant);
    if (!own) return undefined;
    let types = this.byTenantType.get(tenant!);
    if (!types) {
      if (this.byTenantType.size >= 10_000) this.byTenantType.clear();
      this.byTenantType.set(tenant!, (types = new Map()));
    }
    let out = types.get(type);
    if (!out) {
      if (types.size >= 1_000) types.clear();
      types.set(type, (out = new FanOut(own.filter((endpoint) => matchesAny(type, endpoint.events)))));
    }
    return out;
  }

  /** Drops what the fan-out memos hold for an owner (null: the global endpoints) after one of its endpoints changed. */
  private forget(tenant: string | null): void {
    if (tenant === null) this.byType.clear(); else this.byTenantType.delete(tenant);
  }

  setEnabled(id: string, enabled: boolean): void {
    const endpoint = this.index.byId.get(id)?.endpoint;
    if (!endpoint) return;
    const was = endpoint.enabled;
    endpoint.enabled = enabled;
    if (enabled) this.index.enabledSet.add(endpoint); else this.index.enabledSet.delete(endpoint);
    if (was && !enabled) this.retired(id, "disabled");
  }

  toRuntime(stored: Endpoint, now = Date.now()): RuntimeEndpoint {
    return toRuntime(stored, { configured: this.configured, configById: this.configById, codec: this.codec, shared: this.shared }, now);
  }
}

function place(index: Index, built: Built): void {
  const endpoint = built.endpoint;
  index.byId.set(endpoint.id, built);
  if (endpoint.enabled) index.enabledSet.add(endpoint);
  if (endpoint.tenant === null) index.global.push(endpoint);
  else {
    const list = index.byTenant.get(endpoint.tenant);
    if (list) list.push(endpoint); else index.byTenant.set(endpoint.tenant, [endpoint]);
  }
}
