/**
 * The gateway's own periodic work (the dispatcher's sweep, the retention purge) on the clock's boundaries: every
 * second at the second's start, every hour at a given minute (UTC). A run still going when the next is due makes
 * that one skip, as croner's `protect` did. Plain timers rather than croner: croner reads the local time
 * (`getHours`), whose first use loads the time zone database, 5–9 ms on the event loop of every start
 * (P5, bench/FINDINGS.md). The poll source keeps croner: its `schedule` is the user's cron pattern.
 */
export interface ClockTimer {
  /** Stops for good: no run starts after it (one under way finishes). */
  stop(): void;
  pause(): void;
  resume(): void;
}

/** Runs `fn` at each multiple of `everyMs` of the clock plus `offsetMs` (UTC), from the next one on. */
export function onTheClock(everyMs: number, fn: () => unknown, options: { offsetMs?: number; paused?: boolean } = {}): ClockTimer {
  const offset = options.offsetMs ?? 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running = false;
  let state: "running" | "paused" | "stopped" = options.paused ? "paused" : "running";
  const schedule = () => {
    if (state !== "running" || timer) return;
    const now = Date.now();
    const next = Math.floor((now - offset) / everyMs) * everyMs + everyMs + offset;
    timer = setTimeout(fire, next - now);
  };
  const fire = () => {
    timer = null;
    if (state !== "running") return;
    if (!running) {
      running = true;
      void (async () => { try { await fn(); } catch { /* fn reports its own failures */ } finally { running = false; } })();
    }
    schedule();
  };
  const clear = () => { if (timer) clearTimeout(timer); timer = null; };
  schedule();
  return {
    stop() { state = "stopped"; clear(); },
    pause() { if (state === "running") { state = "paused"; clear(); } },
    resume() { if (state === "paused") { state = "running"; schedule(); } },
  };
}
