import { Lane, type Job, type Retired } from "./lane.ts";
import type { Recorder } from "./recorder.ts";

/**
 * Every endpoint's lane in this process, and the lanes with queued jobs in the order they got work: the pump walks
 * `waiting`, not every endpoint's lane. A lane is made when first needed, so a disabled endpoint has none.
 */
export class Lanes {
  private readonly byId = new Map<string, Lane>();
  readonly waiting = new Map<string, Lane>();

  constructor(private readonly recorder: Pick<Recorder, "release">) {}

  get(id: string): Lane | undefined { return this.byId.get(id); }

  /** The endpoint's lane, made now if it has none. */
  of(id: string): Lane {
    let lane = this.byId.get(id);
    if (!lane) { lane = new Lane(); this.byId.set(id, lane); }
    return lane;
  }

  entries(): IterableIterator<[string, Lane]> { return this.byId.entries(); }

  enqueue(lane: Lane, job: Job): void {
    lane.push(job);
    this.waiting.set(job.endpointId, lane);
  }

  /** Hands a lane's queued deliveries back to the store, unsent, due at `at`. */
  handBack(lane: Lane, at: number): void {
    this.recorder.release(lane.drain().map((j) => j.deliveryId), at);
  }

  /** Hands every lane's queued deliveries back, due now (shutdown). */
  handBackAll(): void {
    for (const lane of this.byId.values()) this.handBack(lane, Date.now());
  }

  /** An endpoint was disabled or deleted (here, by auto-disable, or by another process): its attempts in flight end now. */
  retire(id: string, why: Retired): void {
    const lane = this.byId.get(id);
    if (!lane) return;
    lane.abort(why);
    if (lane.queued > 0) this.handBack(lane, Date.now());
  }

  /** Jobs queued in all lanes. */
  queued(): number {
    let queued = 0;
    for (const lane of this.byId.values()) queued += lane.queued;
    return queued;
  }
}
