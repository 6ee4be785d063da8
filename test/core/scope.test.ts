import { describe, expect, test } from "bun:test";
import { DomainError } from "../../src/core/errors.ts";
import { TenantScope } from "../../src/core/scope.ts";
import type { EndpointService } from "../../src/core/endpoints/service.ts";
import type { AdminQueries } from "../../src/store/admin-queries.ts";

describe("TenantScope: the one rule of what a request sees", () => {
  const every = TenantScope.everyTenant();
  const acme = TenantScope.ofSession("acme", "hash");

  test("an admin token's sees every row; a session's only its tenant's, never a global one", () => {
    for (const tenant of ["acme", "beta", null]) expect(every.sees({ tenant })).toBe(true);
    expect(acme.sees({ tenant: "acme" })).toBe(true);
    expect(acme.sees({ tenant: "beta" })).toBe(false);
    expect(acme.sees({ tenant: null })).toBe(false);
  });

  test("?tenant= narrows an admin token's list; a session's stays its own, and naming another is 403", () => {
    expect(every.narrow(undefined)).toBe(every);
    expect(every.narrow("beta").tenant).toBe("beta");
    expect(every.narrow("beta").session).toBeNull();
    expect(acme.narrow(undefined)).toBe(acme);
    expect(acme.narrow("acme")).toBe(acme);
    const refused = (() => { try { acme.narrow("beta"); } catch (e) { return e; } })();
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).kind).toBe("forbidden");
  });

  test("a session's 404 never echoes the id it was sent; an admin token's names it", () => {
    expect(acme.notFound("endpoint", "ep_of_beta").detail).not.toContain("ep_of_beta");
    expect(every.notFound("endpoint", "ep_x").detail).toContain("ep_x");
  });

  test("code that forgets the scope does not compile (tsc checks these lines in `bun run typecheck` and CI)", () => {
    const compileOnly = (queries: AdminQueries, endpoints: EndpointService) => {
      // @ts-expect-error a scope is built from a token only
      void new TenantScope("beta", null);
      // @ts-expect-error every store read a request reaches takes its scope
      void queries.endpoint("ep_1");
      // @ts-expect-error no default that means "every tenant"
      void queries.endpointsPage(undefined, 20);
      // @ts-expect-error the service's actions take the scope first
      void endpoints.get("ep_1");
      // @ts-expect-error a tenant id is not a scope
      void endpoints.remove("acme", "ep_1");
    };
    expect(typeof compileOnly).toBe("function");
  });
});
