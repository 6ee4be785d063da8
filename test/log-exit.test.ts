import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The logger's last line before exit, as serve writes it on SIGTERM (flush, then writeSync, then "stopped"), to a
 * pipe that is full and read only afterwards. Under Bun, process.stdout.write's callback fires once a line is
 * buffered, not written: a flush built on it let "stopped" overtake the lines still buffered. Seen in the suite
 * under load as a SIGTERM whose last line was "shutting down"; here the pipe is full on purpose, every time.
 */
test("the last line written before exit is the last line a full pipe delivers", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hookgate-log-exit-"));
  try {
    const script = join(dir, "writer.ts");
    await Bun.write(script, `
import { createLogger } from ${JSON.stringify(join(import.meta.dir, "../src/log.ts"))};
const log = createLogger();
for (let i = 0; i < 3000; i++) log.info("line", { i, pad: "x".repeat(150) });
await log.flush();
log.writeSync();
log.info("stopped");
process.exit(0);
`);
    // A shell pipe whose reader starts half a second late, as a supervisor busy elsewhere: the writer fills the
    // pipe (64 KiB of ~500 KiB) and the rest waits in the process.
    const proc = Bun.spawn(["sh", "-c", `"${process.execPath}" "${script}" | (sleep 0.5; cat)`], {
      stdout: "pipe", stderr: "ignore", stdin: "ignore", env: { ...process.env, HOOKGATE_LOG_LEVEL: "" },
    });
    const stdout = await new Response(proc.stdout).text();
    expect(await proc.exited).toBe(0);
    const lines = stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { msg: string; i?: number });
    expect(lines.filter((l) => l.msg === "line").map((l) => l.i)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(lines.at(-1)?.msg).toBe("stopped");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
