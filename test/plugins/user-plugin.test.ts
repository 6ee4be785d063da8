import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ROOT, startBinary, writeConfig, type Running } from "../support/binary.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

let bin: Running | null = null;
let receiver: Receiver | null = null;
afterEach(async () => {
  await bin?.stop("SIGKILL");
  receiver?.stop();
  bin = receiver = null;
});

/** The example exactly as plugins/README.md shows it. */
function guideExample(): string {
  const guide = readFileSync(join(ROOT, "plugins/README.md"), "utf8");
  const section = guide.slice(guide.indexOf("## A complete example"));
  return /```ts\n([\s\S]*?)```/.exec(section)![1]!;
}

describe("a user's plugin file in the compiled binary", () => {
  test("the guide's example is plugins/examples/jsonl-file.ts, word for word", () => {
    expect(guideExample()).toBe(readFileSync(join(ROOT, "plugins/examples/jsonl-file.ts"), "utf8"));
  });

  test("the guide's example, beside a config with no node_modules, emits events that are delivered", async () => {
    receiver = startReceiver();
    const path = writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { sqlite: "./data/hookgate.db" },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"] },
  sources: [{ type: "plugin", id: "app-log", module: "./plugins/jsonl-file.ts", options: { path: "./events.jsonl", every: 100 } }],
  endpoints: [{ id: "r", url: "${receiver.url}", events: ["*"], signing: { scheme: "none" } }],
});
`);
    const dir = dirname(path);
    mkdirSync(join(dir, "plugins"));
    writeFileSync(join(dir, "plugins/jsonl-file.ts"), guideExample());
    const log = join(dir, "events.jsonl");
    const line = (n: number) => `${JSON.stringify({ type: "job.completed", data: { n } })}\n`;

    bin = await startBinary(path);
    appendFileSync(log, line(1) + "not json\n" + `{"type":"job.completed"}\n` + line(2));
    await waitFor(() => receiver!.requests.length === 2, { timeoutMs: 10_000, what: "two deliveries" });

    expect(await bin.stop("SIGTERM")).toBe(0);
    const firstRun = bin.output();
    appendFileSync(log, line(3) + line(4) + `{"type":"job.completed","data":{"n":5}`); // the last line is unfinished
    bin = await startBinary(path);
    await waitFor(() => receiver!.requests.length === 4, { timeoutMs: 10_000, what: "the lines written while stopped" });
    appendFileSync(log, "}\n");
    await waitFor(() => receiver!.requests.length === 5, { timeoutMs: 10_000, what: "the finished line" });
    await Bun.sleep(300); // a fixed wait: nothing more may happen within it
    const ns = receiver.requests.map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n);
    expect(ns).toEqual([1, 2, 3, 4, 5]);
    expect(firstRun).toContain("skipped a line that is not JSON");
    expect(firstRun).toContain("skipped a line that is not a valid event");
  }, 60_000);
});
