/**
 * The one way a test waits for something to happen: poll a condition until it holds, or fail naming what did not
 * happen. Waiting on the effect, never on a fixed time, keeps a test fast on an idle machine and right on a loaded one.
 */
export interface WaitOptions {
  /** How long the condition may take before the test fails (default 10 s). */
  timeoutMs?: number;
  /** What is awaited, for the failure message ("the endpoint disabled"). */
  what?: string;
  /** Time between checks (default 10 ms). */
  everyMs?: number;
}

/** Polls until `condition` is true, or fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  const { timeoutMs = 10_000, what = "condition", everyMs = 10 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(everyMs);
  }
}
