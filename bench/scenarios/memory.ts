/** P4: RSS of hookgate holding many pending deliveries for a disabled endpoint, after a couple of sweeps. */
import * as hookgate from "../lib/hookgate.ts";
import { rssMb } from "../lib/proc.ts";
import { wallMs } from "../lib/stats.ts";
import { fill } from "./ingest.ts";

export async function pendingRss(count: number): Promise<{ rss: number; idleRss: number; fillRate: number }> {
  const s = hookgate.site("http://127.0.0.1:9/hooks", false);
  const gw = await hookgate.start(s);
  try {
    await Bun.sleep(1_500);
    const idleRss = await rssMb(gw.proc.pid);
    const t = wallMs();
    await fill(s.ingestUrl, count);
    const fillRate = count / ((wallMs() - t) / 1000);
    await Bun.sleep(2_500); // the sweep runs every second: two or more have passed
    return { rss: await rssMb(gw.proc.pid), idleRss, fillRate };
  } finally {
    await gw.stop();
    s.remove();
  }
}
