import type { ClockTimer } from "../clock-timer.ts";
import type { Summarizer } from "../logger.ts";
import type { EndpointRegistry } from "../endpoints/registry.ts";
import type { Gate } from "./gate.ts";
import type { Lanes } from "./lanes.ts";
import type { Recorder } from "./recorder.ts";
import type { Slots } from "./slots.ts";
import type { WakeTimers } from "./wake-timers.ts";

/** What a shutdown stops, waits for and hands back. */
export interface Running {
  gate: Gate; sweeper: ClockTimer | null; timers: WakeTimers; registry: EndpointRegistry;
  slots: Slots; lanes: Lanes; recorder: Recorder; summary: Summarizer;
}

/**
 * Stops taking work, lets attempts in flight finish (for as long as the slowest endpoint's timeout, and 2 s), hands
 * queued deliveries back to the store, and waits until every record is written.
 */
export async function shutDown({ gate, sweeper, timers, registry, slots, lanes, recorder, summary }: Running): Promise<void> {
  gate.stopping = true;
  recorder.hurry();
  sweeper?.stop();
  timers.clear();
  // A loop, not Math.max(...all): a spread of 100,000 endpoints overflows the arguments limit.
  const longest = registry.all().reduce((max, e) => Math.max(max, e.timeoutMs), 1_000) + 2_000;
  const deadline = Date.now() + longest;
  while (slots.active > 0 && Date.now() < deadline) await Bun.sleep(10);
  lanes.handBackAll();
  await recorder.idle();
  summary.flush();
}
