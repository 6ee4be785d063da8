import type { Summarizer } from "../logger.ts";
import type { AttemptRow } from "../../store/schema.ts";
import type { RuntimeEndpoint } from "../endpoints/registry.ts";
import { attemptOnce, attemptRecord, outcomeLabel, type Sender } from "./attempt.ts";
import type { BreakerEffects } from "./breaker-effects.ts";
import type { DispatcherOptions } from "./dispatcher.ts";
import type { Job, Retired } from "./lane.ts";
import type { Recorder } from "./recorder.ts";
import { afterAttempt, parseRetryAfter } from "./retry.ts";
import type { DeliveryStatus } from "../../store/schema.ts";

/**
 * One attempt of a delivery: prepare → send → decide → queue the record. `sent` resolves when the receiver answered
 * (the slot is free again), `recorded` with the attempt once its record is committed.
 */
export class Runner {
  constructor(
    private readonly send: Sender,
    private readonly recorder: Recorder,
    private readonly breakers: BreakerEffects,
    private readonly summary: Summarizer,
    private readonly options: Pick<DispatcherOptions, "log" | "observer">,
    /** Claims for the endpoint at that time: an ordered key's retry is due before the next sweep would find it. */
    private readonly claimAt: (endpointId: string, at: number) => void,
  ) {}

  run(job: Job, endpoint: RuntimeEndpoint, signal: AbortSignal): { sent: Promise<void>; recorded: Promise<AttemptRow> } {
    const sent = Promise.withResolvers<void>();
    const recorded = (async () => {
      const { row, result, verdict, built } = await attemptOnce(this.send, endpoint, job, signal);
      sent.resolve();
      const finishedAt = Date.now();
      // Cut off by a disable or delete (an answer that came first counts as the answer).
      if (signal.aborted && result.statusCode === null) return this.aborted(job, endpoint, row, signal.reason as Retired, finishedAt);
      // A request hookgate could not build is its own fault, not the receiver's: no streak, no breaker, no
      // retry (the same event builds the same way next time): the delivery fails for good.
      let next = !built ? { status: "failed" as const, nextAttemptAt: null }
        : afterAttempt(endpoint.retry, verdict, job.attempt, finishedAt, parseRetryAfter(result.responseHeaders["retry-after"], finishedAt));
      const held = heldTooLong(job, endpoint, next, finishedAt);
      if (held) { next = held.next; if (held.reason) row.error = `${held.reason} (the last attempt: ${row.error ?? "none"})`; }
      this.breakers.after(job, endpoint, !built ? "none" : verdict === "succeeded" ? "success" : "failure", finishedAt);
      const outcome = outcomeLabel(verdict, result, next.status);
      this.options.observer?.attempted(endpoint.id, outcome, result.durationMs / 1000);
      const fields = { delivery: job.deliveryId, endpoint: endpoint.id, attempt: job.attempt, status: result.statusCode, error: row.error, next: next.status, outcome, durationMs: result.durationMs };
      this.options.log.debug("attempt", fields);
      if (!built) this.summary.error(`build:${endpoint.id}`, "could not build the request: the delivery fails for good (fix the endpoint's headers or transform)", fields);
      else if (verdict !== "succeeded") this.summary.warn(`attempt:${endpoint.id}`, "attempt failed", fields);
      const recorded = this.recorder.record(attemptRecord(job, endpoint, { row, verdict, built }, next), job.event);
      // An ordered retry holds its key until it is sent: claimed when due (once recorded), not at the next sweep.
      const retryAt = next.nextAttemptAt;
      if (job.ordering && next.status === "retrying" && retryAt !== null) void recorded.then(() => this.claimAt(endpoint.id, retryAt));
      return recorded;
    })();
    recorded.catch(() => sent.resolve());
    return { sent: sent.promise, recorded };
  }

  /**
   * An attempt aborted because its endpoint was disabled: recorded as such, and its delivery waits for the endpoint,
   * due at once (no streak, no breaker, no step of the schedule spent). Deleted: there is nothing left to record.
   */
  private aborted(job: Job, endpoint: RuntimeEndpoint, row: AttemptRow, why: Retired, now: number): Promise<AttemptRow> {
    this.options.log.debug("attempt aborted", { delivery: job.deliveryId, endpoint: endpoint.id, attempt: job.attempt, because: why });
    if (why === "deleted") return Promise.resolve(row);
    const error = "aborted: the endpoint was disabled while the attempt was in flight (the delivery resumes when it is enabled)";
    return this.recorder.record({
      attempt: { ...row, error }, delivery: { id: job.deliveryId, status: "retrying", attempts: job.attempt, next_attempt_at: now }, endpoint: null,
    }, job.event);
  }
}

/**
 * DESIGN §13's bound on head-of-line blocking: an ordered delivery to retry is failed once it has held its key for
 * the endpoint's `maxBlock`, and is never due after that point (its last attempt is then). Null: nothing changes.
 */
export function heldTooLong(job: Pick<Job, "ordering">, endpoint: Pick<RuntimeEndpoint, "ordering">, next: { status: DeliveryStatus; nextAttemptAt: number | null }, now: number):
  { next: { status: DeliveryStatus; nextAttemptAt: number | null }; reason: string } | null {
  const heldSince = job.ordering?.heldSince;
  if (endpoint.ordering === null || heldSince == null || next.status !== "retrying" || next.nextAttemptAt === null) return null;
  const until = heldSince + endpoint.ordering.maxBlockMs;
  if (now >= until) return { next: { status: "failed", nextAttemptAt: null }, reason: `ordering: blocked its key for ${endpoint.ordering.maxBlock}` };
  return next.nextAttemptAt > until ? { next: { status: "retrying", nextAttemptAt: until }, reason: "" } : null;
}
