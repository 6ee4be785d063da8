import { Elysia } from "elysia";
import type * as v from "valibot";
import { TenantService } from "../../core/tenants.ts";
import type { TenantListRow } from "../../store/tenants.ts";
import type { adminAuth } from "../admin-auth.ts";
import { requestOrigin } from "../path.ts";
import { audit } from "./audit.ts";
import { asProblem, type AdminContext } from "./context.ts";
import { decodeCursor, DEFAULT_LIMIT, encodeCursor } from "./cursor.ts";
import { errors, page } from "./schemas.ts";
import { Revoked, Session, SessionCreate, Tenant, TenantDeleted, TenantParams, TenantPut, TenantsQuery } from "./tenant-schemas.ts";

const tags = ["tenants"];

function tenantView(row: TenantListRow): v.InferOutput<typeof Tenant> {
  return { id: row.id, name: row.name, metadata: row.metadata === null ? null : JSON.parse(row.metadata), endpoints: row.endpoints, createdAt: new Date(row.created_at).toISOString() };
}

/** `/tenants`: the app's customers, removing one with everything of theirs, and their portal sessions (admin tokens only). */
export function tenantRoutes(ctx: AdminContext, auth: ReturnType<typeof adminAuth>) {
  const tenants = new TenantService({ store: ctx.store, registry: ctx.registry, now: ctx.now });
  return new Elysia({ name: "hookgate/admin/tenants" })
    .use(auth)
    .get("/tenants", async ({ query }) => {
      const after = decodeCursor<[string]>(query.cursor, ["string"]);
      const { rows, more } = await tenants.page(after?.[0], query.limit ?? DEFAULT_LIMIT, query.search);
      const last = rows.at(-1);
      return { data: rows.map(tenantView), nextCursor: more && last ? encodeCursor([last.id]) : null };
    }, {
      admin: "read", query: TenantsQuery, response: { 200: page(Tenant), ...errors(422) },
      detail: { tags, operationId: "listTenants", summary: "List tenants by id, with their endpoint counts", description: "`search` keeps the tenants whose id starts with it or whose name contains it, ignoring case." },
    })
    .get("/tenants/:id", async ({ params }) => tenantView(await tenants.get(params.id).catch(asProblem)), {
      admin: "read", params: TenantParams, response: { 200: Tenant, ...errors(404, 422) },
      detail: { tags, operationId: "getTenant", summary: "Read a tenant", description: "A tenant exists once anything names it (an endpoint, an event, a session, a PUT)." },
    })
    .put("/tenants/:id", async ({ params, body }) => tenantView(await tenants.put(params.id, body)), {
      admin: "write", params: TenantParams, body: TenantPut, response: { 200: Tenant, ...errors(400, 422) },
      detail: { tags, operationId: "putTenant", summary: "Set a tenant's name and metadata (creating it if new)", description: "Both fields are replaced: one left out is cleared. `metadata` is a JSON object of at most 8 KiB." },
    })
    .delete("/tenants/:id", async ({ params, principal }) => {
      const deleted = await tenants.remove(params.id).catch(asProblem);
      audit(ctx.log, principal, "tenant deleted", { tenant: params.id, deleted });
      return { deleted };
    }, {
      admin: "write", params: TenantParams, response: { 200: TenantDeleted, ...errors(404, 409, 422) },
      detail: {
        tags, operationId: "deleteTenant", summary: "Delete a tenant with its endpoints, events, deliveries, attempts and sessions",
        description: "For a customer who leaves. Deliveries of its events to global endpoints go too. A tenant with endpoints from the config file answers 409 and nothing is deleted.",
      },
    })
    .post("/tenants/:id/sessions", async ({ params, body, request, status, principal }) => {
      const base = ctx.settings.publicUrl ?? requestOrigin(request);
      const session = await tenants.createSession(params.id, body, base);
      audit(ctx.log, principal, "tenant session created", { tenant: params.id, scopes: body?.scopes ?? null, expiresAt: new Date(session.expiresAt).toISOString() });
      return status(201, { ...session, expiresAt: new Date(session.expiresAt).toISOString() });
    }, {
      admin: "write", params: TenantParams, body: SessionCreate, response: { 201: Session, ...errors(400, 422) },
      detail: {
        tags, operationId: "createTenantSession", summary: "Create a portal session for a tenant's own admins",
        description: "The `token` (and the `url` holding it in its fragment) is shown this once; hookgate keeps only its SHA-256. With it, `/api/v1` shows that tenant alone. " +
          "`url` starts with `server.publicUrl`, else this request's origin. `locale` (`en` or `de`) picks the portal's language and rides in the fragment " +
          "(`&locale=de`); left out, the browser's language picks one of `portal.locales`.",
      },
    })
    .delete("/tenants/:id/sessions", async ({ params, principal }) => {
      const revoked = await tenants.revokeSessions(params.id).catch(asProblem);
      audit(ctx.log, principal, "tenant sessions revoked", { tenant: params.id, revoked });
      return { revoked };
    }, {
      admin: "write", params: TenantParams, response: { 200: Revoked, ...errors(404, 422) },
      detail: { tags, operationId: "revokeTenantSessions", summary: "Revoke every session of a tenant, on every process sharing the store" },
    });
}
