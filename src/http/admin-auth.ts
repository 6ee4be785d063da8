import { Elysia } from "elysia";
import type { TenantScope } from "../core/scope.ts";
import { scopeOf, SESSIONS_REFUSED, type AdminAuth, type Principal, type Scope } from "./auth.ts";
import { HttpProblem } from "./problem.ts";

/**
 * The admin auth macro of one route group: a route opts in with `admin: "read"` (GET) or `admin: "write"` (the
 * rest), and its handler receives `principal` and `scope`, the tenant scope every read and write it makes takes.
 * The group declares whether tenant sessions may use it at all (`sessions: false`: the gateway's sources and the
 * tenants themselves), so the rule follows the route that runs, never a reading of the URL. The check runs in
 * `transform`, before validation, so a caller without a token learns nothing about the body rules. In the server,
 * gateAdmin (admin-gate.ts) has already checked the token and scope before the body was read; the macro keeps every
 * route closed wherever the admin app is mounted. In a module of its own: auth.ts is on every start's path, Elysia
 * only on the admin app's (admin-app.ts).
 */
export function adminAuth(auth: AdminAuth, group: { sessions: boolean } = { sessions: true }) {
  const seen = new WeakMap<Request, { principal: Principal; scope: TenantScope }>();
  return new Elysia({ name: group.sessions ? "hookgate/admin-auth" : "hookgate/admin-auth/no-sessions" }).macro({
    admin: (scope: Scope) => ({
      async transform({ request }) {
        const principal = await auth.principal(request, scope);
        if (!group.sessions && principal.kind === "session") throw new HttpProblem(403, SESSIONS_REFUSED);
        seen.set(request, { principal, scope: scopeOf(principal) });
      },
      resolve: ({ request }) => seen.get(request)!,
    }),
  });
}
