import { DomainError } from "./errors.ts";

/**
 * Which tenants an admin request may see and change: built once per request from its token (http/auth.ts) and a
 * required argument of every read and write the request can reach, down to the store's queries, which apply it in
 * SQL. Nothing else makes one, and there is no default meaning "every tenant": code that forgets the scope fails
 * to compile. Within a tenant's scope only that tenant's rows exist: another tenant's and the global ones (no
 * tenant) read exactly as an unknown id.
 */
export class TenantScope {
  private constructor(
    /** The one tenant seen; null: every tenant and the global rows (an admin token). */
    readonly tenant: string | null,
    /** The session's token hash, re-checked when a write commits (DESIGN §9); null for an admin token. */
    readonly session: string | null,
  ) {}

  private static readonly EVERY_TENANT = new TenantScope(null, null);

  /** An admin token's: every tenant. */
  static everyTenant(): TenantScope {
    return TenantScope.EVERY_TENANT;
  }

  /** A tenant session's: its tenant alone, and the session to re-check when a write commits. */
  static ofSession(tenant: string, sessionHash: string): TenantScope {
    return new TenantScope(tenant, sessionHash);
  }

  /**
   * A list's scope given the `?tenant=` asked for: an admin token's narrows to that tenant; a session's stays its
   * own, and naming another tenant is refused (403), so a session never learns whether that tenant exists.
   */
  narrow(asked: string | undefined): TenantScope {
    if (asked === undefined || asked === this.tenant) return this;
    if (this.tenant === null) return new TenantScope(asked, null);
    throw new DomainError("forbidden", `this session sees tenant "${this.tenant}" only: leave tenant out of the query, or name "${this.tenant}"`);
  }

  /** Whether a row is in the scope (for rows read by other means than the store's scoped queries). */
  sees(row: { tenant: string | null }): boolean {
    return this.tenant === null || row.tenant === this.tenant;
  }

  /**
   * The 404 detail for an id the scope does not see. A session's does not echo the id, so its answers never hold
   * another tenant's id, not even one it sent; an admin token's reads as it always did.
   */
  notFound(kind: "endpoint" | "delivery" | "event", id: string): DomainError {
    return new DomainError("not-found", this.session === null ? `no ${kind} "${id}"` : `tenant "${this.tenant}" has no ${kind} with this id`);
  }
}

