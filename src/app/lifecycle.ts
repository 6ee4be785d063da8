import type { AppOptions } from "../app.ts";
import type { LoadedConfig } from "../config/load.ts";
import { onTheClock } from "../core/clock-timer.ts";
import { toMs } from "../core/duration.ts";
import { listenForChanges } from "../store/changes.ts";
import { serveHttp, type HttpServer, type Phase } from "./http.ts";
import type { Services } from "./services.ts";

export interface Started { http: HttpServer; stop(): Promise<void> }

/**
 * Starts the services in order: this process announced (its share of the endpoints' limits), the server listening,
 * the dispatcher, the sources, the change listener, the retention purge. `stop` takes them down in the reverse order,
 * draining first; it is idempotent. A start that fails releases what it took, the store included.
 */
export async function startServices(loaded: LoadedConfig, s: Services, options: AppOptions): Promise<Started> {
  const { config } = loaded;
  const log = options.log;
  const phase: Phase = { started: false, draining: false };
  let http: HttpServer;
  try {
    await s.members.start();
    http = serveHttp(loaded, s, phase, options);
  } catch (e) {
    await s.runOnce.close().catch(() => {});
    await s.store.close().catch(() => {});
    s.lock?.release();
    throw e;
  }

  s.dispatcher.start();
  s.sources.start();
  // Endpoint changes through other processes sharing the store: at once by notification, else by the tick's check
  // (tests turn the listener off to prove the check alone finds them).
  const changeListener = config.store.postgres && options.listenForChanges !== false
    ? listenForChanges(config.store.postgres, () => void s.registry.catchUp().catch(() => {}), log.child({ component: "changes" }))
    : null;

  const retention = toMs(config.store.retention);
  // Hourly at 17 past (UTC), in the process that holds the purge.
  const purge = onTheClock(3_600_000, async () => {
    const removed = await s.store.purge(Date.now() - retention, { signal: s.abort.signal }).catch((e) => { log.error("retention purge failed", { error: String(e) }); return 0; });
    if (removed) log.info("retention purge", { events: removed });
  }, { offsetMs: 17 * 60_000, paused: true });
  const purging = s.runOnce.hold("hookgate:purge:retention", { start: () => void purge.resume(), stop: () => void purge.pause() });
  phase.started = true;

  let stopped: Promise<void> | null = null;
  return {
    http,
    stop() {
      stopped ??= (async () => {
        phase.draining = true;
        s.abort.abort();
        await purging.release();
        purge.stop();
        await changeListener?.close();
        await s.sources.stop();
        await s.runOnce.close();
        await s.ingest.idle();
        await s.dispatcher.stop();
        // The last attempts' records may have emitted operational events: store them before the store closes.
        await s.ingest.idle();
        await s.members.stop();
        http.stop();
        await s.store.close();
        s.lock?.release();
      })();
      return stopped;
    },
  };
}
