import type * as v from "valibot";
import { prepareRequest } from "../../core/prepare-request.ts";
import { firstBytes } from "../../core/attempt-body.ts";
import type { RuntimeEndpoint } from "../../core/endpoints.ts";
import { toEventRow } from "../../core/events.ts";
import { newId } from "../../core/ids.ts";
import { systemResolver, type OutboundResult } from "../../outbound/send.ts";
import { checkResolvedUrl } from "../../outbound/url-policy.ts";
import type { AttemptRow } from "../../store/schema.ts";
import type { AdminContext } from "./context.ts";
import type { Attempt } from "./schemas.ts";
import { attemptView } from "./views.ts";

/**
 * Registration's look-up of the URL's host (checkResolvedUrl): a name that resolves only to refused addresses is
 * refused now, even with verify: false, rather than saved to have every attempt refused.
 */
export async function urlTargetProblems(ctx: AdminContext, url: string | undefined): Promise<{ path: string; message: string }[]> {
  if (url === undefined) return [];
  const reason = await checkResolvedUrl(url, ctx.config.delivery, ctx.resolve ?? systemResolver);
  return reason ? [{ path: "url", message: reason }] : [];
}

/**
 * The `ping` sent before an endpoint is saved: the same request a delivery makes (headers, auth,
 * signature), through the same sender and address policy, but nothing is stored.
 */
export async function verifyPing(ctx: AdminContext, endpoint: RuntimeEndpoint): Promise<{ ok: boolean; attempt: v.InferOutput<typeof Attempt> }> {
  const startedAt = Date.now();
  const event = toEventRow(newId("evt", startedAt), "admin", { type: "ping", data: { message: "hookgate is checking this endpoint before saving it" } }, startedAt);
  let result: OutboundResult;
  let logged: Record<string, string> = {};
  let body = "";
  try {
    const request = prepareRequest(endpoint, event, newId("dlv", startedAt), 1, startedAt);
    logged = request.loggedHeaders;
    body = request.body;
    result = await ctx.send({ url: request.url, headers: request.headers, body: request.body, timeoutMs: endpoint.timeoutMs }, endpoint);
  } catch (e) {
    result = { statusCode: null, responseHeaders: {}, responseBody: "", durationMs: Date.now() - startedAt, error: `could not build the request: ${(e as Error).message}`, refused: false };
  }
  const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300 && result.error === null;
  const row: AttemptRow = {
    id: newId("att", startedAt), delivery_id: "", endpoint_id: endpoint.id, number: 1, trigger: "manual", started_at: startedAt,
    url: endpoint.url, request_headers: JSON.stringify(logged), request_body: firstBytes(body), status_code: result.statusCode,
    response_headers: JSON.stringify(result.responseHeaders), response_body: result.responseBody, duration_ms: result.durationMs,
    error: result.error ?? (ok ? null : `HTTP ${result.statusCode}`),
  };
  return { ok, attempt: attemptView(row) };
}
