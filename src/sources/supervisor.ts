import { placeOf } from "../cluster/process.ts";
import type { RunOnce } from "../cluster/singleton.ts";
import type { LoadedSource } from "../config/load.ts";
import type { MountedRoute, SourceServices } from "./context.ts";
import { SupervisedSource } from "./supervised.ts";

export type { MountedRoute, SourceServices } from "./context.ts";
export type { SourceState } from "./supervised.ts";

export interface SupervisorOptions extends SourceServices {
  /** Runs the run-once sources (PluginDefinition.runOnce) on one process at a time; without it they run here. */
  runOnce?: RunOnce;
}

/** The configured sources: each created with its context at once, run, replaced on a reload, and stopped. */
export class SourceSupervisor {
  private sources: SupervisedSource[];
  private settings: SourceServices["settings"];
  /** What every source is created with; `settings` is the supervisor's current one (running sources read it at each use). */
  private readonly options: SupervisorOptions;

  constructor(loaded: readonly LoadedSource[], options: SupervisorOptions) {
    this.settings = options.settings;
    const supervisor = this;
    this.options = { ...options, get settings() { return supervisor.settings; } };
    this.sources = loaded.map((s) => new SupervisedSource(s, this.options));
  }

  /** A reloaded config's settings (the event types), for the running sources and the ones created from now on. */
  reload(settings: SourceServices["settings"]): void {
    this.settings = settings;
  }

  /** The routes the running sources asked for in `create`, to mount on the server. */
  get routes(): MountedRoute[] {
    return this.sources.flatMap((s) => s.routes);
  }

  /** Starts every source; one that fails is retried with backoff (1 s doubling to 60 s) until it stops. */
  start(): void {
    for (const s of this.sources) s.launch(this.options.runOnce);
  }

  /**
   * Replaces the sources named in `restart` (their options changed, or they are new or gone) with those of `next`:
   * creates the new ones, hands the routes to `mount` (so the server answers with the new handlers before the old
   * ones stop), stops the old ones, then starts the new. The others keep running untouched.
   */
  async replace(next: readonly LoadedSource[], restart: ReadonlySet<string>, mount: (routes: MountedRoute[]) => void): Promise<void> {
    const created = new Map(next.filter((s) => restart.has(s.id)).map((s) => [s.id, new SupervisedSource(s, this.options)]));
    const old = this.sources.filter((s) => restart.has(s.id));
    const kept = new Map(this.sources.filter((s) => !restart.has(s.id)).map((s) => [s.id, s]));
    this.sources = next.flatMap((s) => kept.get(s.id) ?? created.get(s.id) ?? []);
    mount(this.routes);
    for (const s of old) await s.stop();
    for (const s of created.values()) s.launch(this.options.runOnce);
  }

  /**
   * Which process runs each source (GET /sources), given the holders recorded in the store (process ids): where the
   * holder of a held run-once source runs (null while none holds it), "all" for a source every process runs, this
   * process on SQLite.
   */
  async runningOn(recorded: ReadonlyMap<string, string | null>): Promise<Map<string, string | null>> {
    const runOnce = this.options.runOnce;
    if (!runOnce?.cluster) return new Map(this.sources.map((s) => [s.id, runOnce ? placeOf(runOnce.self) : null]));
    const held = await runOnce.held(this.sources.filter((s) => s.once).map((s) => `hookgate:source:${s.id}`));
    // A holder with no heartbeat row (it stopped beating, or an older version recorded `<hostname>:<pid>`) shows as recorded.
    const rows = await this.options.store.processes.live().catch(() => []);
    const places = new Map(rows.map((p) => [p.id, placeOf(p)]));
    return new Map(this.sources.map((s) => {
      if (!s.once) return [s.id, "all"];
      // Not knowing whether the lock is held (no lock connection), the recorded holder is the best answer.
      const live = held ? held.has(`hookgate:source:${s.id}`) : true;
      const holder = live ? recorded.get(s.id) ?? null : null;
      return [s.id, holder ? places.get(holder) ?? holder : null];
    }));
  }

  /** Stops every source (after the signal aborted), each once, a failure logged. */
  async stop(): Promise<void> {
    for (const s of this.sources) await s.stop();
  }
}
