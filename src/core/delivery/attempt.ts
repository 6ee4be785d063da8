import type { OutboundRequest, OutboundResult } from "../sender.ts";
import type { AttemptRow } from "../../store/schema.ts";
import type { AttemptOutcome } from "../../store/types.ts";
import { recordedBody } from "./attempt-body.ts";
import type { RuntimeEndpoint } from "../endpoints/registry.ts";
import { newId } from "../ids.ts";
import { leaseMs } from "../lease.ts";
import type { Job } from "./lane.ts";
import { prepareRequest, type PreparedRequest } from "../prepare-request.ts";
import { verdictOf, type Verdict } from "./retry.ts";

export type Sender = (request: OutboundRequest, endpoint: RuntimeEndpoint) => Promise<OutboundResult>;

/** An attempt's outcome for metrics: success, retry (another is scheduled), failed (for good), refused (the address policy). */
export type AttemptOutcomeLabel = "success" | "retry" | "failed" | "refused";

/** Counts delivery attempts (metrics); called once per attempt, with no allocation of its own. */
export interface AttemptObserver {
  attempted(endpointId: string, outcome: AttemptOutcomeLabel, seconds: number): void;
}

/**
 * One attempt: prepare → send, shaped as its record. The dispatcher, `/test`, a manual retry and the verification
 * ping (which stores nothing) all go through here. A request hookgate cannot build is answered (`built: false`), not thrown.
 */
export async function attemptOnce(send: Sender, endpoint: RuntimeEndpoint, job: Pick<Job, "deliveryId" | "attempt" | "event" | "trigger">, signal?: AbortSignal):
  Promise<{ row: AttemptRow; result: OutboundResult; verdict: Verdict; built: boolean }> {
  const startedAt = Date.now();
  let request: PreparedRequest | null = null;
  let result: OutboundResult;
  try {
    request = prepareRequest(endpoint, job.event, job.deliveryId, job.attempt, startedAt);
    result = await send({ url: request.url, headers: request.headers, body: request.body, timeoutMs: endpoint.timeoutMs, signal }, endpoint);
  } catch (e) {
    result = { statusCode: null, responseHeaders: {}, responseBody: "", durationMs: Date.now() - startedAt, error: `could not build the request: ${e instanceof Error ? e.message : String(e)}`, refused: false };
  }
  const verdict = verdictOf(result.statusCode);
  const row: AttemptRow = {
    id: newId("att", startedAt), delivery_id: job.deliveryId, endpoint_id: endpoint.id, number: job.attempt, trigger: job.trigger,
    started_at: startedAt, url: endpoint.url, request_headers: JSON.stringify(request?.loggedHeaders ?? {}),
    request_body: request ? recordedBody(request.body, job.event) : "", status_code: result.statusCode,
    response_headers: JSON.stringify(result.responseHeaders), response_body: result.responseBody, duration_ms: result.durationMs,
    error: result.error ?? (verdict === "succeeded" ? null : `HTTP ${result.statusCode}`),
  };
  return { row, result, verdict, built: request !== null };
}

/** The attempt's label for metrics, once its next step is decided. */
export function outcomeLabel(verdict: Verdict, result: Pick<OutboundResult, "refused">, next: AttemptOutcome["delivery"]["status"]): AttemptOutcomeLabel {
  return verdict === "succeeded" ? "success" : result.refused ? "refused" : next === "failed" ? "failed" : "retry";
}

/** What the recorder writes for one attempt: its row, its delivery's next step, and the endpoint's health (none when the request was never built). */
export function attemptRecord(
  job: Pick<Job, "deliveryId" | "endpointId" | "attempt" | "ordering">, endpoint: RuntimeEndpoint, attempt: { row: AttemptRow; verdict: Verdict; built: boolean },
  next: { status: AttemptOutcome["delivery"]["status"]; nextAttemptAt: number | null },
): AttemptOutcome {
  const { row, verdict, built } = attempt;
  return {
    attempt: row,
    delivery: {
      id: job.deliveryId, status: next.status, attempts: job.attempt, next_attempt_at: next.nextAttemptAt,
      // One that ends asks for its key's next, leased to this process (types.ts EndedKey; the dispatcher may give it back).
      ...(job.ordering && { ordering: { endpointId: job.endpointId, key: job.ordering.key, ...(next.status !== "retrying" && { leaseMs: leaseMs(endpoint) }) } }),
    },
    endpoint: !built ? null : {
      id: endpoint.id, success: verdict === "succeeded", at: row.started_at, statusCode: row.status_code ?? null, disableReason: verdict === "gone" ? "the receiver answered 410 Gone" : null,
      autoDisableAfter: endpoint.autoDisableAfter, autoDisableWindowMs: endpoint.autoDisableWindowMs,
    },
  };
}
