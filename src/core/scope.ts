/** The tenant an admin request is confined to (a tenant session's), or null for an admin token, which sees all. */
export type TenantScope = string | null;

/**
 * The one visibility rule: within a scope, only that tenant's rows exist. Another tenant's row and a global one
 * (null tenant) are answered exactly as an unknown id, so a session learns nothing about them.
 */
export const inScope = (row: { tenant: string | null }, scope: TenantScope): boolean => scope === null || row.tenant === scope;

/**
 * The 404 detail for an id the scope does not see. A session's does not echo the id, so its answers never hold
 * another tenant's id, not even one it sent; an admin token's reads as it always did.
 */
export const notFoundDetail = (kind: "endpoint" | "delivery" | "event", id: string, scope: TenantScope): string =>
  scope === null ? `no ${kind} "${id}"` : `tenant "${scope}" has no ${kind} with this id`;
