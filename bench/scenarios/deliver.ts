/** L1, P2, B2: 100,000 signed POSTs to the receiver: a plain fetch loop, hookgate draining, BullMQ draining. */
import { Queue } from "bullmq";
import { deliveryJson } from "../lib/body.ts";
import * as hookgate from "../lib/hookgate.ts";
import { cpuSeconds, runProc } from "../lib/proc.ts";
import type { Receiver } from "../lib/receiver.ts";
import { wallMs } from "../lib/stats.ts";
import { fill } from "./ingest.ts";

const drainTimeout = (count: number) => 60_000 + count * 5;

/** Deliveries per second: `count` over the time from the sender's spawn to the last arrival. */
export async function fetchLoop(receiver: Receiver, count: number): Promise<number> {
  await receiver.reset();
  const spawnAt = wallMs();
  const r = await runProc<{ errors: number }>("fetch-loop", { url: receiver.url, secret: hookgate.SECRET, count, concurrency: 64 });
  if (r.errors) throw new Error(`the fetch loop had ${r.errors} failed POSTs`);
  const stats = await receiver.waitFor(count, drainTimeout(count));
  return count / ((stats.lastAt - spawnAt) / 1000);
}

/**
 * hookgate holding `count` pending deliveries for a disabled endpoint, then the endpoint enabled through the admin
 * API (PATCH, as a user would); the clock runs from that request to the last arrival. A build without the admin
 * API is stopped, enabled in its store and started again, and the clock starts at that spawn.
 * Also returns the fill rate (arrays of 500) and hookgate's CPU per delivery.
 */
export async function hookgateDrain(receiver: Receiver, count: number, ordered?: { keys: number }): Promise<{ rate: number; fillRate: number; cpuUs: number; how: string }> {
  // P2o: the endpoint delivers in order per key (DESIGN §13), the events spread over `keys` ordering keys.
  const s = hookgate.site(receiver.url, false, ordered ? { endpoint: 'ordering: { maxBlock: "1h" }' } : {});
  try {
    let gw = await hookgate.start(s);
    const fillStart = wallMs();
    await fill(s.ingestUrl, count, 4, ordered?.keys);
    const fillRate = count / ((wallMs() - fillStart) / 1000);
    await Bun.sleep(1_500); // let the fill's commits and a sweep settle before the clock starts
    const pending = hookgate.countPending(s);
    if (pending !== count) throw new Error(`expected ${count} pending deliveries, found ${pending}`);
    await receiver.reset();
    const cpuBefore = await cpuSeconds(gw.proc.pid);
    let startAt = wallMs();
    let how = "admin API PATCH → last arrival";
    if (!(await hookgate.enableViaAdmin(s))) {
      await gw.stop();
      hookgate.enableEndpoint(s);
      gw = await hookgate.start(s);
      startAt = gw.spawnAt;
      how = "restart with the endpoint enabled: spawn → last arrival";
    }
    try {
      const stats = await receiver.waitFor(count, drainTimeout(count));
      // CPU per delivery is steadier than the rate when other work shares the machine.
      const cpuUs = (((await cpuSeconds(gw.proc.pid)) - (how.startsWith("admin") ? cpuBefore : 0)) * 1e6) / count;
      return { rate: count / ((stats.lastAt - startAt) / 1000), fillRate, cpuUs, how };
    } finally {
      await gw.stop();
    }
  } finally {
    s.remove();
  }
}

/** BullMQ 6: `count` jobs queued first (not timed), then a worker process at concurrency 64 drains them. */
export async function bullmqDrain(receiver: Receiver, count: number): Promise<number> {
  const name = `hookgate-bench-${Date.now()}`;
  const connection = { host: "127.0.0.1", port: 6379, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  try {
    const t = Date.now();
    for (let i = 0; i < count; i += 1_000) {
      const jobs = [];
      for (let n = i; n < Math.min(count, i + 1_000); n++) {
        const id = `evt_bullmq_${n}`;
        jobs.push({ name: "deliver", data: { id, body: deliveryJson(id, t, n) }, opts: { attempts: 7, backoff: { type: "exponential", delay: 30_000 } } });
      }
      await queue.addBulk(jobs);
    }
    await receiver.reset();
    const spawnAt = wallMs();
    const r = await runProc<{ completed: number; failed: number }>("bullmq-worker", { queue: name, url: receiver.url, secret: hookgate.SECRET, count, concurrency: 64 });
    if (r.failed) throw new Error(`the BullMQ worker had ${r.failed} failed jobs`);
    const stats = await receiver.waitFor(count, drainTimeout(count));
    return count / ((stats.lastAt - spawnAt) / 1000);
  } finally {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
}
