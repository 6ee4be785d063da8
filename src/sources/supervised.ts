import type { Lease, RunOnce } from "../cluster/singleton.ts";
import type { LoadedSource } from "../config/load.ts";
import { backoff } from "../plugin-api/index.ts";
import type { Logger, Source } from "../plugin-api/index.ts";
import { sourceContext, SourceStatus, type MountedRoute, type SourceServices } from "./context.ts";

/**
 * Where one source is in its lifecycle. `standby`: created, or a run-once source whose lock another process holds.
 * `starting` and `backoff` carry the attempt (a failed start is retried, 1 s doubling to 60 s); every state of a run
 * carries its `run` controller, aborted when the run ends (this process lost the lock, or the source stopped), so
 * a start still under way gives up and writes nothing.
 */
export type SourceState =
  | { kind: "standby" }
  | { kind: "starting"; run: AbortController; attempt: number }
  | { kind: "running"; run: AbortController }
  | { kind: "backoff"; run: AbortController; attempt: number; timer: Timer }
  | { kind: "stopped" };

/** A failed start waits this long before the next (`backoff`: doubling, with jitter so sources retry apart). */
export const startRetryDelay = (attempt: number): number => backoff(attempt, 1_000, 60_000);

/** One configured source: created at once (create does no I/O), then run, paused and stopped by the supervisor. */
export class SupervisedSource {
  readonly id: string;
  readonly routes: MountedRoute[] = [];
  /** Run-once: on Postgres it runs on one process at a time, started and stopped by its lock. */
  readonly once: boolean;
  state: SourceState = { kind: "standby" };
  private readonly source: Source;
  private readonly status: SourceStatus;
  private readonly log: Logger;
  /** Aborted when it stops (shutdown, or a reload replaces it): its ctx.signal. */
  private readonly abort = new AbortController();
  private lease: Lease | null = null;

  constructor(loaded: LoadedSource, private readonly services: SourceServices) {
    this.id = loaded.id;
    this.log = services.log.child({ source: loaded.id });
    this.status = new SourceStatus(loaded.id, services, this.log);
    this.once = loaded.plugin.runOnce?.(loaded.options) ?? false;
    const signal = AbortSignal.any([services.signal, this.abort.signal]);
    this.source = loaded.plugin.create(loaded.options, sourceContext(loaded, services, { signal, status: this.status, log: this.log, routes: this.routes }));
  }

  /** Runs the source; a run-once one on a cluster only while this process holds its lock. */
  launch(runOnce: RunOnce | undefined): void {
    if (!this.once || !runOnce?.cluster) return void this.run(); // SQLite: one process, no lock
    this.lease = runOnce.hold(`hookgate:source:${this.id}`, {
      start: async () => {
        await this.services.store.setSourceHolder(this.id, runOnce.self.id).catch((e) => this.log.error("source holder not recorded", { error: String(e) }));
        void this.run();
      },
      stop: () => this.pause(),
    });
  }

  /** Stops for good (after the gateway's signal aborted, or when a reload replaces it); a failure is logged. */
  async stop(): Promise<void> {
    await this.lease?.release();
    this.abort.abort();
    this.end({ kind: "stopped" });
    await this.source.stop().catch((e) => this.log.error("source stop failed", { error: String(e) }));
  }

  /** This process lost the source's lock: the run ends at once, and it waits for the lock again. */
  private async pause(): Promise<void> {
    this.end({ kind: "standby" });
    await this.source.stop().catch((e) => this.log.error("source stop failed", { error: String(e) }));
  }

  private end(next: SourceState): void {
    const now = this.state;
    if (now.kind !== "standby" && now.kind !== "stopped") now.run.abort();
    if (now.kind === "backoff") clearTimeout(now.timer);
    if (now.kind !== "stopped") this.state = next;
  }

  private get halted(): boolean {
    return this.services.signal.aborted || this.abort.signal.aborted;
  }

  /** One run: starting (attempt 0), then running, or backoff and starting again, until the run ends. */
  private async run(): Promise<void> {
    if (this.halted || this.state.kind !== "standby") return;
    const run = new AbortController();
    this.state = { kind: "starting", run, attempt: 0 };
    // The previous run's "running" must not show while this one is still starting.
    await this.status.set("starting", null);
    await this.attempt(run, 0);
  }

  private async attempt(run: AbortController, attempt: number): Promise<void> {
    const over = () => this.halted || run.signal.aborted;
    if (over()) return;
    this.state = { kind: "starting", run, attempt };
    const reportsBefore = this.status.reports;
    try {
      await this.source.start();
      if (over()) return;
      this.state = { kind: "running", run };
      // A status the source reported while starting (a bad row, a first failed run) is newer: keep it.
      if (this.status.reports === reportsBefore) await this.status.set("running", null);
    } catch (e) {
      if (over()) return;
      const message = e instanceof Error ? e.message : String(e);
      const delay = startRetryDelay(attempt);
      this.log.error("source failed to start", { error: message, retryInMs: delay });
      await this.status.set("error", message);
      await this.source.stop().catch(() => {});
      if (over()) return;
      this.state = { kind: "backoff", run, attempt, timer: setTimeout(() => void this.attempt(run, attempt + 1), delay) };
    }
  }
}
