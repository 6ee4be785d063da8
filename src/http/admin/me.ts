import { Elysia } from "elysia";
import type { adminAuth } from "../auth.ts";
import { errors, Me } from "./schemas.ts";

/** `/me`: who the bearer token is, so a client offers only what it may do (the portal hides writes from a read-only one). */
export function meRoutes(auth: ReturnType<typeof adminAuth>) {
  return new Elysia({ name: "hookgate/admin/me" })
    .use(auth)
    .get("/me", ({ principal }) => principal.kind === "admin"
      ? { kind: "admin" as const, name: principal.name, tenant: null, scopes: principal.scopes, expiresAt: null }
      : { kind: "session" as const, name: null, tenant: principal.tenant, scopes: principal.scopes, expiresAt: new Date(principal.expiresAt).toISOString() }, {
      admin: "read", response: { 200: Me, ...errors() },
      detail: { tags: ["me"], operationId: "getMe", summary: "Who this token is", description: "The kind of token (an admin token or a tenant session), its tenant, its scopes and, for a session, when it ends. A client uses it to offer only what the token may do." },
    });
}
