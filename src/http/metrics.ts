import { Elysia } from "elysia";
import { bearerToken, findToken } from "../core/tokens.ts";
import { authorize, type AdminAuth, type AdminToken } from "./auth.ts";
import { HttpProblem } from "./problem.ts";
import type { Metrics } from "../metrics/index.ts";

const CHALLENGE = { "www-authenticate": 'Bearer realm="hookgate metrics"' };
const HOW = "send Authorization: Bearer <server.metricsToken, or an admin token with the read scope>";

/**
 * Who may scrape: the bearer `server.metricsToken` (for Prometheus, which then needs no admin token), or an admin
 * token with the `read` scope. Tenant sessions never: the figures span every tenant. Compared in constant time.
 */
export function metricsAccess(adminTokens: readonly AdminToken[], metricsToken: string | undefined, header: string | null): HttpProblem | null {
  const presented = bearerToken(header);
  if (!presented) {
    if (!metricsToken && adminTokens.length === 0) return new HttpProblem(403, "no token can read /metrics: set server.metricsToken (or admin.tokens) in the config and restart");
    return new HttpProblem(401, HOW, undefined, CHALLENGE);
  }
  if (metricsToken && findToken([{ token: metricsToken }], presented)) return null;
  if (adminTokens.length === 0) return new HttpProblem(401, `the bearer token is not server.metricsToken: ${HOW}`, undefined, CHALLENGE);
  return authorize(adminTokens, header, "read");
}

/** `GET /metrics`: the Prometheus text format. The admin tokens are the ones `admin` holds now (a reload replaces them). */
export function metricsRoute(metrics: Metrics, access: { admin: Pick<AdminAuth, "tokens">; metricsToken?: string }) {
  return new Elysia({ name: "hookgate/metrics" }).get("/metrics", async ({ request }) => {
    const refused = metricsAccess(access.admin.tokens, access.metricsToken, request.headers.get("authorization"));
    if (refused) throw refused;
    const { body, contentType } = await metrics.scrape();
    return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
  }, { detail: { hide: true } });
}
