import { Elysia } from "elysia";
import type { adminAuth } from "../admin-auth.ts";
import { audit } from "./audit.ts";
import { asProblem, type AdminServices } from "./context.ts";
import { EndpointStats, errors, Id, ManualAttempt, PublicKeys, RecoverBody, Recovered, RotateBody, Rotated, StatsQuery, TestBody } from "./schemas.ts";
import { attemptView, publicKeysView, statsView } from "./views.ts";

const DAY_MS = 86_400_000;

const tags = ["endpoints"];

/** `/endpoints/{id}/rotate-secret`, `/public-keys`, `/test`, `/recover` and `/stats`. */
export function endpointActionRoutes(ctx: AdminServices, auth: ReturnType<typeof adminAuth>) {
  return new Elysia({ name: "hookgate/admin/endpoint-actions" })
    .use(auth)
    .post("/endpoints/:id/rotate-secret", async ({ params, body, principal, scope }) => {
      const { signingSecret, publicKey, graceSeconds, previousUntil, note, tenant } = await ctx.endpoints.rotateSecret(scope, params.id, body ?? {}).catch(asProblem);
      audit(ctx.log, principal, "endpoint secret rotated", { endpoint: params.id, tenant, graceSeconds, given: body?.secret !== undefined });
      return {
        ...(signingSecret !== undefined && { signingSecret }), ...(publicKey !== undefined && { publicKey }),
        graceSeconds, previousSecretExpiresAt: previousUntil ? new Date(previousUntil).toISOString() : null, ...(note !== undefined && { note }),
      };
    }, {
      admin: "write", params: Id, body: RotateBody, response: { 200: Rotated, ...errors(400, 404, 409, 422) },
      detail: {
        tags, operationId: "rotateEndpointSecret", summary: "Rotate the signing secret",
        description: "The new `signingSecret` (generated, or `secret` when given) is shown this once. The old one keeps signing beside it for `graceSeconds` (default 86400), " +
          "except with the `github` and `hex` schemes: their header carries one signature, so the switch is immediate (`graceSeconds: 0` and a `note` in the answer). " +
          "With `ed25519` the new secret is a new key pair (or `secret` as a `whsk_` private key): the answer has its `publicKey`, never the private key, and both keys sign (`v1a,<new> v1a,<old>`) during the grace.",
      },
    })
    .get("/endpoints/:id/public-keys", async ({ params, scope }) => publicKeysView(await ctx.endpoints.get(scope, params.id).catch(asProblem), ctx.now()), {
      admin: "read", params: Id, response: { 200: PublicKeys, ...errors(404) },
      detail: {
        tags, operationId: "listEndpointPublicKeys", summary: "The Ed25519 public keys that sign its deliveries",
        description: "With `signing: { scheme: \"ed25519\" }`: the current key, and during a rotation's grace the previous one with when it stops signing (both sign: `v1a,<new> v1a,<old>`). " +
          "A receiver verifies `webhook-signature` with any of them. Other schemes sign with a secret, not a key pair: the list is empty.",
      },
    })
    .post("/endpoints/:id/test", async ({ params, body, scope }) => {
      const { attempt, deliveryId, eventId } = await ctx.endpoints.sendTest(scope, params.id, body).catch(asProblem);
      return { ...attemptView(attempt), deliveryId, eventId };
    }, {
      admin: "write", params: Id, body: TestBody, response: { 200: ManualAttempt, ...errors(400, 404, 422) },
      detail: {
        tags, operationId: "sendTestEvent", summary: "Send a test event now",
        description: "Stores a real event of `type` (default `ping`, any type) with one delivery to this endpoint only, attempts it now, and answers the attempt. Without `data`, the data is the type's `example` from the config (else a short message). A failed test is retried on the schedule like any delivery.",
      },
    })
    .post("/endpoints/:id/recover", async ({ params, body, principal, scope }) => {
      const { requeued, tenant } = await ctx.endpoints.recover(scope, params.id, Date.parse(body.since), body.until ? Date.parse(body.until) : undefined).catch(asProblem);
      audit(ctx.log, principal, "deliveries recovered", { endpoint: params.id, tenant, since: body.since, until: body.until ?? null, requeued });
      return { requeued };
    }, {
      admin: "write", params: Id, body: RecoverBody, response: { 200: Recovered, ...errors(400, 404, 422) },
      detail: {
        tags, operationId: "recoverDeliveries", summary: "Re-queue failed deliveries",
        description: "Makes this endpoint's `failed` deliveries of events received in [since, until) due now (until defaults to now). Each gets one more attempt, numbered after its earlier ones; a disabled endpoint's wait until it is enabled.",
      },
    })
    .get("/endpoints/:id/stats", async ({ params, query, scope }) => {
      // Read in the scope first: its deliveries are then the scope's too (a delivery takes its endpoint's tenant).
      const endpoint = await ctx.endpoints.get(scope, params.id).catch(asProblem);
      const since = query.since ? Date.parse(query.since) : ctx.now() - DAY_MS;
      return statsView(since, await ctx.queries.endpointStats(endpoint.id, since));
    }, {
      admin: "read", params: Id, query: StatsQuery, response: { 200: EndpointStats, ...errors(404, 422) },
      detail: {
        tags, operationId: "getEndpointStats", summary: "Delivery counts and the last attempt",
        description: "Counts this endpoint's deliveries since `since` (default: 24 hours ago) by status, and gives its last attempt's time and response status (null when none). `since` is compared with when each delivery's event was accepted (the time in the delivery's id), at most the ingest flush delay before the delivery was stored. An attempt whose request hookgate could not build is not a last attempt.",
      },
    });
}
