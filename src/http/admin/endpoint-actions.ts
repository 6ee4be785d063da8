import { Elysia } from "elysia";
import { toEventRow } from "../../core/events.ts";
import { newId } from "../../core/ids.ts";
import { generateSecret, secretProblem, singleSignature, type SchemeName } from "../../core/signing.ts";
import type { adminAuth } from "../auth.ts";
import { HttpProblem } from "../problem.ts";
import { requireApiManaged, requireEndpoint, type AdminContext } from "./context.ts";
import { errors, Id, ManualAttempt, RecoverBody, Recovered, RotateBody, Rotated, TestBody } from "./schemas.ts";
import { attemptView } from "./views.ts";

const tags = ["endpoints"];

/** `/endpoints/{id}/rotate-secret`, `/test` and `/recover`. */
export function endpointActionRoutes(ctx: AdminContext, auth: ReturnType<typeof adminAuth>) {
  return new Elysia({ name: "hookgate/admin/endpoint-actions" })
    .use(auth)
    .post("/endpoints/:id/rotate-secret", async ({ params, body }) => {
      const row = await requireEndpoint(ctx, params.id);
      requireApiManaged(row, "change its secret");
      const scheme = row.signing_scheme as SchemeName;
      const problem = body?.secret === undefined ? null : secretProblem(scheme, body.secret);
      if (problem) throw new HttpProblem(422, "the secret cannot sign with this endpoint's scheme: nothing was changed", [{ path: "secret", message: problem }]);
      const secret = body?.secret ?? generateSecret();
      // github and hex carry one signature: the old secret cannot sign beside the new one, so there is no grace.
      const single = singleSignature(scheme);
      const graceSeconds = single ? 0 : body?.graceSeconds ?? 86_400;
      const until = graceSeconds > 0 && row.secret ? Date.now() + graceSeconds * 1000 : null;
      // The old secret (still encrypted) signs beside the new one until `until`.
      await ctx.queries.updateEndpoint(row.id, {
        secret: ctx.registry.codec.encrypt(secret),
        previous_secret: until ? row.secret : null,
        previous_secret_until: until,
      });
      await ctx.registry.refresh();
      return {
        signingSecret: secret, graceSeconds, previousSecretExpiresAt: until ? new Date(until).toISOString() : null,
        ...(single && { note: `the switch is immediate: the ${scheme} scheme carries one signature, the new secret's. To rotate without failed deliveries, let the receiver accept both secrets first and send that secret here as "secret" (see the README)` }),
      };
    }, {
      admin: "write", params: Id, body: RotateBody, response: { 200: Rotated, ...errors(400, 404, 409, 422) },
      detail: {
        tags, operationId: "rotateEndpointSecret", summary: "Rotate the signing secret",
        description: "The new `signingSecret` (generated, or `secret` when given) is shown this once. The old one keeps signing beside it for `graceSeconds` (default 86400), " +
          "except with the `github` and `hex` schemes: their header carries one signature, so the switch is immediate (`graceSeconds: 0` and a `note` in the answer).",
      },
    })
    .post("/endpoints/:id/test", async ({ params, body }) => {
      const row = await requireEndpoint(ctx, params.id);
      const endpoint = ctx.registry.get(row.id);
      if (!endpoint) throw new HttpProblem(404, `no endpoint "${row.id}"`);
      const now = Date.now();
      const event = toEventRow(newId("evt", now), "admin", { type: body?.type ?? "ping", data: body?.data ?? { message: "a test event from hookgate" } }, now);
      const deliveryId = newId("dlv", now);
      // Due only after the attempt below had time to finish, so the sweep does not send it a second time.
      const dueAfter = now + 2 * endpoint.timeoutMs + 5_000;
      await ctx.store.ingest([{ event, deliveries: [{ id: deliveryId, endpoint_id: row.id, next_attempt_at: dueAfter }] }]);
      const attempt = await ctx.dispatcher.attemptNow(deliveryId, "manual");
      if (!attempt) throw new HttpProblem(404, `endpoint "${row.id}" was removed meanwhile`);
      return { ...attemptView(attempt), deliveryId, eventId: event.id };
    }, {
      admin: "write", params: Id, body: TestBody, response: { 200: ManualAttempt, ...errors(400, 404, 422) },
      detail: {
        tags, operationId: "sendTestEvent", summary: "Send a test event now",
        description: "Stores a real event of `type` (default `ping`, any type) with one delivery to this endpoint only, attempts it now, and answers the attempt. A failed test is retried on the schedule like any delivery.",
      },
    })
    .post("/endpoints/:id/recover", async ({ params, body }) => {
      const row = await requireEndpoint(ctx, params.id);
      const since = Date.parse(body.since);
      const until = body.until ? Date.parse(body.until) : Date.now() + 1;
      if (until <= since) throw new HttpProblem(422, "the window is empty", [{ path: "until", message: "must be after since" }]);
      const requeued = await ctx.queries.recover(row.id, since, until);
      const endpoint = ctx.registry.get(row.id);
      if (requeued && endpoint) void ctx.dispatcher.claim(endpoint);
      return { requeued };
    }, {
      admin: "write", params: Id, body: RecoverBody, response: { 200: Recovered, ...errors(400, 404, 422) },
      detail: {
        tags, operationId: "recoverDeliveries", summary: "Re-queue failed deliveries",
        description: "Makes this endpoint's `failed` deliveries of events received in [since, until) due now (until defaults to now). Each gets one more attempt, numbered after its earlier ones; a disabled endpoint's wait until it is enabled.",
      },
    });
}
