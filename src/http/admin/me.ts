import { Elysia } from "elysia";
import * as v from "valibot";
import type { adminAuth } from "../admin-auth.ts";
import { audit } from "./audit.ts";
import type { AdminContext } from "./context.ts";
import { EmptyBody, errors, Me } from "./schemas.ts";

/** `/me`: who the bearer token is, so a client offers only what it may do (the portal hides writes from a read-only one). */
export function meRoutes(ctx: AdminContext, auth: ReturnType<typeof adminAuth>) {
  return new Elysia({ name: "hookgate/admin/me" })
    .use(auth)
    .get("/me", ({ principal }) => principal.kind === "admin"
      ? { kind: "admin" as const, name: principal.name, tenant: null, scopes: principal.scopes, expiresAt: null }
      : { kind: "session" as const, name: null, tenant: principal.tenant, scopes: principal.scopes, expiresAt: new Date(principal.expiresAt).toISOString() }, {
      admin: "read", response: { 200: Me, ...errors() },
      detail: { tags: ["me"], operationId: "getMe", summary: "Who this token is", description: "The kind of token (an admin token or a tenant session), its tenant, its scopes and, for a session, when it ends. A client uses it to offer only what the token may do." },
    })
    // Read scope is enough: a read-only link may sign out too.
    .post("/sessions/revoke", async ({ principal, set }) => {
      if (principal.kind === "session") {
        await ctx.store.tenants.revokeSession(principal.hash, Date.now());
        audit(ctx.log, principal, "session signed out", { tenant: principal.tenant });
      }
      set.status = 204;
      return null;
    }, {
      admin: "read", body: EmptyBody, response: { 204: v.null(), ...errors(400) },
      detail: {
        tags: ["me"], operationId: "revokeSession", summary: "Sign out: revoke this session",
        description: "Ends the tenant session whose token calls it, at once: the portal's \"Sign out\". An admin token (from the config) is not changed; the answer is 204 either way.",
      },
    });
}
