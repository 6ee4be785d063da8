import { Elysia } from "elysia";
import * as v from "valibot";
import type { adminAuth } from "../admin-auth.ts";
import { audit } from "./audit.ts";
import { asProblem, narrowed, type AdminServices } from "./context.ts";
import { decodeCursor, DEFAULT_LIMIT, encodeCursor } from "./cursor.ts";
import { HttpProblem } from "../problem.ts";
import { Endpoint, EndpointCreate, ListedEndpoint, numberedPage, EndpointPatch, EndpointsQuery, EndpointWithSecret, errors, Id, PatchedEndpoint, VerifyFailed } from "./schemas.ts";
import { endpointView, statsView } from "./views.ts";
import type { TenantScope } from "../../core/scope.ts";

const DAY_MS = 86_400_000;

/** The keyset page of the plain list (`cursor`): stable while endpoints are added. */
async function keysetPage(ctx: AdminServices, scope: TenantScope, cursor: string | undefined, limit: number) {
  const { rows, more } = await ctx.queries.endpointsPage(scope, decodeCursor<[number, string]>(cursor, ["number", "string"]), limit);
  const last = rows.at(-1);
  return { rows, total: undefined, nextCursor: more && last ? encodeCursor([last.createdAt, last.id]) : null };
}

const tags = ["endpoints"];

/** `/endpoints`: list, read, create (with the verification ping), change, delete. */
export function endpointRoutes(ctx: AdminServices, auth: ReturnType<typeof adminAuth>) {
  return new Elysia({ name: "hookgate/admin/endpoints" })
    .use(auth)
    .get("/endpoints", async ({ query, scope }) => {
      const listed = narrowed(scope, query.tenant);
      const limit = query.limit ?? DEFAULT_LIMIT;
      const numbered = query.page !== undefined || query.search !== undefined || query.state !== undefined;
      if (numbered && query.cursor) throw new HttpProblem(422, "the request query is invalid", [{ path: "query.cursor", message: "give either cursor or page, search and state" }]);
      const { rows, total, nextCursor } = numbered
        ? { ...await ctx.queries.lists.endpoints(listed, { search: query.search, state: query.state }, ((query.page ?? 1) - 1) * limit, limit), nextCursor: null }
        : await keysetPage(ctx, listed, query.cursor, limit);
      const since = Date.now() - DAY_MS;
      const stats = query.stats === "true" ? await ctx.queries.lists.statsOf(rows, since) : null;
      return {
        data: rows.map((row) => ({ ...endpointView(row), ...(stats && { stats: statsView(since, stats.get(row.id)!) }) })),
        nextCursor, ...(total !== undefined && { total }),
      };
    }, {
      admin: "read", query: EndpointsQuery, response: { 200: numberedPage(ListedEndpoint), ...errors(422) },
      detail: {
        tags, operationId: "listEndpoints", summary: "List endpoints, newest first",
        description: "Filter by `tenant` (a tenant session sees its own tenant's only). `search` (URL or description), `state` or `page` answer a numbered page " +
          "with `total`; otherwise follow `nextCursor`. `stats=true` adds each endpoint's stats of the last 24 hours.",
      },
    })
    .post("/endpoints", async ({ body, status, principal, scope }) => {
      const { endpoint, signingSecret } = await ctx.endpoints.create(scope, body).catch(asProblem);
      audit(ctx.log, principal, "endpoint created", { endpoint: endpoint.id, tenant: endpoint.tenant, events: endpoint.events });
      return status(201, { ...endpointView(endpoint), ...(signingSecret !== undefined && { signingSecret }) });
    }, {
      admin: "write", body: EndpointCreate, response: { 201: EndpointWithSecret, ...errors(400, 409), 422: VerifyFailed },
      detail: {
        tags, operationId: "createEndpoint", summary: "Create an endpoint",
        description: "Unless `verify` is false, a `ping` event is sent first and the endpoint is saved only on a 2xx; " +
          "otherwise 422 carries the `attempt`. The answer holds `signingSecret`: it is shown this once. With `signing: { scheme: \"ed25519\" }` hookgate makes an Ed25519 key pair " +
          "(or takes `secret` as a `whsk_` private key), keeps the private key sealed and never shows it: the answer has no `signingSecret`, and receivers verify with `signing.publicKey`. " +
          "`tenant` makes it that customer's endpoint (a tenant session's are always its own); past `tenants.maxEndpoints` in the config, 409.",
      },
    })
    .get("/endpoints/:id", async ({ params, scope }) => endpointView(await ctx.endpoints.get(scope, params.id).catch(asProblem)), {
      admin: "read", params: Id, response: { 200: Endpoint, ...errors(404) },
      detail: { tags, operationId: "getEndpoint", summary: "Read an endpoint (never its secret)" },
    })
    .patch("/endpoints/:id", async ({ params, body, principal, scope }) => {
      const { endpoint, signingSecret } = await ctx.endpoints.patch(scope, params.id, body).catch(asProblem);
      audit(ctx.log, principal, "endpoint updated", { endpoint: endpoint.id, tenant: endpoint.tenant, fields: Object.keys(body), enabled: endpoint.enabled, newSecret: signingSecret !== undefined });
      return signingSecret === undefined ? endpointView(endpoint) : { ...endpointView(endpoint), signingSecret };
    }, {
      admin: "write", params: Id, body: EndpointPatch, response: { 200: PatchedEndpoint, ...errors(400, 404, 409, 422) },
      detail: {
        tags, operationId: "updateEndpoint", summary: "Change an endpoint, or enable / disable it",
        description: "A config-managed endpoint takes only `enabled` (409 otherwise). Enabling resumes its waiting deliveries at once. " +
          "`headers` replaces the whole map; a masked value (`********`) sent back keeps the stored one. A `url` on another origin needs `auth` and secret-looking " +
          "headers sent again (or dropped) in the same PATCH. A `signing.scheme` whose secret check the stored secret fails gets a new secret, in `signingSecret` this once; " +
          "a switch to `ed25519` makes a new key pair (its public key in `signing.publicKey`), and a switch from it to an HMAC scheme a new HMAC secret.",
      },
    })
    .delete("/endpoints/:id", async ({ params, set, principal, scope }) => {
      const removed = await ctx.endpoints.remove(scope, params.id).catch(asProblem);
      audit(ctx.log, principal, "endpoint deleted", { endpoint: params.id, tenant: removed.tenant });
      set.status = 204;
      return null;
    }, {
      admin: "write", params: Id, response: { 204: v.null(), ...errors(404, 409) },
      detail: { tags, operationId: "deleteEndpoint", summary: "Delete an endpoint with its deliveries and their attempts" },
    });
}
