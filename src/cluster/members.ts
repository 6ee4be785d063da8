import type { Logger } from "../plugin-api/index.ts";
import type { ProcessQueries } from "../store/processes.ts";
import { newSelf, type Self } from "./process.ts";
import { shareOf, type Limits } from "./share.ts";

/** How often a process writes its heartbeat, and how old a heartbeat may be before its process counts as gone. */
export const HEARTBEAT_MS = 2_000;
export const STALE_MS = 6_000;

/**
 * The live processes sharing the store, as this one sees them: each announces itself with a heartbeat row,
 * and takes its share of every endpoint's limits (`limits`), recomputed at each heartbeat. `processes` null: the
 * store is this process's alone (SQLite, under its lock, DESIGN §7), so there is nobody to announce itself to and
 * nothing is written: no row, no heartbeat, no fsync every 2 s of an idle gateway's life.
 */
export class Members {
  readonly self: Self = newSelf();
  private live: string[] = [this.self.id];
  private rank = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private beating: Promise<void> | null = null;
  private failing = false;

  constructor(
    private readonly processes: ProcessQueries | null,
    private readonly log: Pick<Logger, "info" | "warn">,
    private readonly timing = { heartbeatMs: HEARTBEAT_MS, staleMs: STALE_MS },
  ) {}

  /** The live processes' ids, in order (this one included). */
  get ids(): readonly string[] { return this.live; }

  get count(): number { return this.live.length; }

  /** This process's part of an endpoint's limits (all of them when it runs alone). */
  readonly limits = <E extends Limits & { id: string }>(endpoint: E): Limits =>
    this.live.length === 1 ? endpoint : shareOf(endpoint.id, endpoint, this.rank, this.live.length);

  /** Announces this process (before it sends anything, so its first share is already right) and keeps beating. */
  async start(): Promise<void> {
    if (!this.processes) return;
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.timing.heartbeatMs);
  }

  /** One heartbeat now (the timer's; tests call it to skip the wait). */
  beat(): Promise<void> {
    this.beating ??= this.write().finally(() => { this.beating = null; });
    return this.beating;
  }

  private async write(): Promise<void> {
    if (!this.processes) return;
    const { id, host, pid, startedAt } = this.self;
    try {
      const rows = await this.processes.beat({ id, host, pid, started_at: startedAt }, this.timing.staleMs);
      if (this.failing) this.log.info("process heartbeat written again", { process: id });
      this.failing = false;
      const ids = rows.map((r) => r.id);
      if (!ids.includes(id)) ids.push(id); // dropped as stale between the two statements: it is live all the same
      const before = this.live.length;
      this.live = ids;
      this.rank = ids.indexOf(id);
      if (ids.length !== before) this.log.info("live processes changed: each applies its share of endpoint limits", { process: id, live: ids.length });
    } catch (e) {
      // Kept as it was: the store is away for everyone, and the others see this process again when it returns.
      if (!this.failing) this.log.warn("process heartbeat failed; keeping the last view of the live processes", { process: id, error: String(e) });
      this.failing = true;
    }
  }

  /** A clean stop: removes this process's row, so the others take over its share at their next heartbeat. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beating;
    await this.processes?.leave(this.self.id).catch((e) => this.log.warn("could not remove this process's heartbeat row", { error: String(e) }));
  }
}
