import { Elysia } from "elysia";
import { adminAuth } from "../admin-auth.ts";
import type { AdminAuth } from "../auth.ts";
import { bodyDepth } from "./body-depth.ts";
import { withServices, type AdminContext } from "./context.ts";
import { deliveryRoutes } from "./deliveries.ts";
import { endpointActionRoutes } from "./endpoint-actions.ts";
import { endpointRoutes } from "./endpoints.ts";
import { eventTypeRoutes } from "./event-types.ts";
import { eventRoutes } from "./events.ts";
import { meRoutes } from "./me.ts";
import { singleValueQuery } from "./query.ts";
import { sourceRoutes } from "./sources.ts";
import { tenantRoutes } from "./tenants.ts";

export { AdminSettings, type AdminContext } from "./context.ts";

/** The admin API under /api/v1 (DESIGN section 5): one route group per resource, all behind the admin macro. */
export function adminApi(ctx: AdminContext, authentication: AdminAuth) {
  const auth = adminAuth(authentication, { sessions: true });
  // The gateway's own sources and the tenants themselves: admin tokens only.
  const opsAuth = adminAuth(authentication, { sessions: false });
  const services = withServices(ctx);
  return new Elysia({ name: "hookgate/admin", prefix: "/api/v1" })
    .use(bodyDepth(authentication))
    // Before validation, for every route below: one string per query name, as sent.
    .onTransform((c) => { c.query = singleValueQuery(c.request.url); })
    .use(endpointRoutes(services, auth))
    .use(endpointActionRoutes(services, auth))
    .use(deliveryRoutes(ctx, auth))
    .use(eventRoutes(ctx, auth))
    .use(eventTypeRoutes(ctx, auth))
    .use(sourceRoutes(ctx, opsAuth))
    .use(tenantRoutes(ctx, opsAuth))
    .use(meRoutes(ctx, auth));
}
