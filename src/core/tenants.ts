import { createHash, randomBytes } from "node:crypto";
import type { PageOf, Store, TenantDeleted, TenantListRow } from "../store/types.ts";
import type { EndpointRegistry } from "./endpoints/registry.ts";
import { DomainError } from "./errors.ts";

export type SessionScope = "read" | "write";

/** Session tokens carry this prefix, so a request names which kind of token it holds without a lookup. */
export const SESSION_PREFIX = "hgs_";
/** The store keeps only this: a copy of the database opens no portal. */
export const hashSessionToken = (token: string) => createHash("sha256").update(token).digest("hex");
/** 32 random bytes: unguessable, and long enough that a lookup by hash leaks nothing by its timing. */
export const newSessionToken = () => SESSION_PREFIX + randomBytes(32).toString("base64url");

export interface TenantServiceDeps {
  store: Store;
  /** The running endpoints: a removed tenant's are dropped from it, so the dispatcher forgets them. */
  registry: EndpointRegistry;
  /** The clock sessions are issued by (the one admin auth checks expiry against). */
  now: () => number;
}

/** Tenants (the app's own customers): their records, removal with everything of theirs, and portal sessions. */
export class TenantService {
  constructor(private readonly deps: TenantServiceDeps) {}

  page(after: string | undefined, limit: number, search?: string): Promise<PageOf<TenantListRow>> {
    return this.deps.store.tenants.page(after, limit, search);
  }

  async get(id: string): Promise<TenantListRow> {
    const row = await this.deps.store.tenants.get(id);
    if (!row) throw new DomainError("not-found", `no tenant "${id}"`);
    return row;
  }

  /** Sets name and metadata (an absent one is cleared), creating the tenant if nothing named it yet. */
  async put(id: string, fields: { name?: string | null; metadata?: Record<string, unknown> | null }): Promise<TenantListRow> {
    const metadata = fields.metadata == null ? null : JSON.stringify(fields.metadata);
    await this.deps.store.tenants.put(id, { name: fields.name ?? null, metadata }, this.deps.now());
    return this.get(id);
  }

  /**
   * A customer who leaves: its endpoints, events, deliveries, attempts and sessions. Endpoints from the config
   * file would come back at the next start, so a tenant with any is refused whole (409), as deleting one is.
   */
  async remove(id: string): Promise<TenantDeleted> {
    const { store, registry } = this.deps;
    const known = await store.tenants.get(id);
    const endpoints = await store.tenants.endpointsOf(id);
    const fromConfig = endpoints.filter((e) => e.managedBy === "config").map((e) => e.id);
    if (fromConfig.length) {
      throw new DomainError("conflict", `tenant "${id}" has endpoints defined in the config file (${fromConfig.slice(0, 5).join(", ")}): remove them from the config and restart first; nothing was deleted`);
    }
    // Its deliveries and their attempts go in the store: an attempt in flight now records nothing (recordAttempts).
    const deleted = await store.tenants.remove(id);
    if (!known && deleted.endpoints + deleted.events + deleted.deliveries === 0) throw new DomainError("not-found", `no tenant "${id}"`);
    // As DELETE /endpoints/{id} does: the registry drops the endpoints, and the dispatcher hands their queued work back.
    for (const e of endpoints) await registry.refreshOne(e.id);
    return deleted;
  }

  /** A portal session for the tenant (noted if new): the token is shown once, the store keeps its hash. */
  async createSession(id: string, request: { expiresIn: number; scopes: SessionScope[]; locale?: string }, baseUrl: string): Promise<{ token: string; url: string; expiresAt: number }> {
    const now = this.deps.now();
    const token = newSessionToken();
    const expiresAt = now + request.expiresIn * 1000;
    await this.deps.store.tenants.note([id], now);
    await this.deps.store.tenants.createSession({ hash: hashSessionToken(token), tenant: id, scopes: [...new Set(request.scopes)], expiresAt }, now);
    // A fragment, so the token never reaches a server's access log.
    // The locale rides in the fragment too: the portal reads it with the token, the store need not keep it.
    const locale = request.locale ? `&locale=${request.locale}` : "";
    return { token, url: `${baseUrl.replace(/\/+$/, "")}/portal#token=${token}${locale}`, expiresAt };
  }

  /** Revokes every live session of the tenant on every process sharing the store; answers how many. */
  async revokeSessions(id: string): Promise<number> {
    await this.get(id);
    return this.deps.store.tenants.revokeSessions(id, this.deps.now());
  }
}
