import type { UrlChecker, UrlPolicy } from "../sender.ts";
import { DomainError, type Problems } from "../errors.ts";
import { OPERATIONAL_CATALOG } from "../operational-events.ts";
import { unlistedTypes } from "../patterns.ts";
import { secretProblem, type SchemeName } from "../signing.ts";
import type { Endpoint } from "./endpoint.ts";
import { tenantPolicy, underTenantLimits, type TenantLimits } from "./tenant-limits.ts";

/** What the endpoint lifecycle (service.ts) checks beyond the API's schema, and the refusals it answers with. */
export class EndpointChecks {
  constructor(private readonly deps: { urls: UrlChecker; policy: UrlPolicy; catalog: object | undefined; tenants: TenantLimits }) {}

  /** Checks the schema cannot express: the URL policy, the secret's format, event types in the catalog. */
  fields(fields: { url?: string; events?: string[]; scheme?: SchemeName; secret?: string }, policy: UrlPolicy): Problems {
    const problems: Problems = [];
    if (fields.url !== undefined) {
      const reason = this.deps.urls.check(fields.url, policy);
      if (reason) problems.push({ path: "url", message: reason });
    }
    if (fields.secret !== undefined && fields.scheme) {
      const reason = secretProblem(fields.scheme, fields.secret);
      if (reason) problems.push({ path: "secret", message: reason });
    }
    for (const { index, type } of unlistedTypes(fields.events ?? [], this.deps.catalog, OPERATIONAL_CATALOG)) {
      problems.push({ path: `events[${index}]`, message: `unknown event type "${type}" (the config's events lists the types)` });
    }
    return problems;
  }

  /**
   * Registration's look-up of the URL's host (checkResolvedUrl): a name that resolves only to refused addresses is
   * refused now, even with verify: false, rather than saved to have every attempt refused.
   */
  async urlTarget(url: string | undefined, policy: UrlPolicy): Promise<Problems> {
    if (url === undefined) return [];
    const reason = await this.deps.urls.checkResolved(url, policy);
    return reason ? [{ path: "url", message: reason }] : [];
  }

  /** The address policy the endpoint's URL is checked against: tenants.allowNetworks for one under the tenant limits. */
  policyOf(endpoint: Pick<Endpoint, "tenant" | "managedBy">): UrlPolicy {
    return underTenantLimits(endpoint) ? tenantPolicy(this.deps.policy, this.deps.tenants) : this.deps.policy;
  }
}

/** A session revoked (or its tenant deleted) while its request waited: the write is refused whole. */
export function sessionGone(): DomainError {
  return new DomainError("unauthorized", "this session was revoked (or its tenant deleted) while the request waited: nothing was saved; ask the provider of this link for a new session url");
}

export function atTheCap(tenant: string, max: number): DomainError {
  return new DomainError("conflict", `tenant "${tenant}" already has ${max} endpoints, the limit set by tenants.maxEndpoints in the config: delete one, or raise tenants.maxEndpoints in the config and restart`);
}

/** Config endpoints belong to the config file: the API may only toggle them. */
export function requireApiManaged(endpoint: Endpoint, action: string): void {
  if (endpoint.managedBy === "config") {
    throw new DomainError("conflict", `endpoint "${endpoint.id}" is managed by the config file: ${action} there and restart (the API may only enable or disable it)`);
  }
}
