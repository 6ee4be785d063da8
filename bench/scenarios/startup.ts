/** P5: spawn → first 200 on /healthz of the compiled binary; its size. */
import { statSync } from "node:fs";
import * as hookgate from "../lib/hookgate.ts";
import { summarize } from "../lib/stats.ts";

/** The median of `spawns` cold starts on one data folder (the first one creates the store). */
export async function startupMs(spawns: number): Promise<number> {
  const s = hookgate.site("http://127.0.0.1:9/hooks", true);
  try {
    const times: number[] = [];
    for (let i = 0; i < spawns; i++) {
      const gw = await hookgate.start(s);
      times.push(gw.readyAt - gw.spawnAt);
      await gw.stop();
    }
    return summarize(times).median;
  } finally {
    s.remove();
  }
}

export const binaryMb = () => statSync(hookgate.BINARY).size / 1024 / 1024;
