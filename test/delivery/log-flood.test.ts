import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { baseConfig, startTestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";

// Servers and receivers on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

const receiver = startReceiver(() => new Response("down", { status: 500 }));
afterAll(() => receiver.stop());

describe("failed attempts do not flood the log", () => {
  test("1,000 failed attempts against one endpoint: a handful of warn lines carrying the count; every attempt in the delivery log", async () => {
    const logs: string[] = [];
    const app = await startTestApp(baseConfig({
      endpoints: [{ id: "down", url: receiver.url, events: ["*"], secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }] as never,
      delivery: { schedule: [], circuitBreakerAfter: 0 } as never,
    }), { logs });
    try {
      await app.post(Array.from({ length: 1_000 }, (_, i) => ({ type: "job.done", data: { i } })));
      await waitFor(async () => Number((await dbOf(app.store).selectFrom("attempts").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n) === 1_000, { timeoutMs: 20_000, what: "1,000 attempts recorded" });
    } finally {
      await app.close();
    }
    const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.endpoint === "down" && l.level === "warn");
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(5);
    // The first failure is written as is; the ones held back are counted in a later line (at the latest at shutdown,
    // in a `summary` line that stands for the held-back ones only).
    const suppressed = lines.reduce((n, l) => n + Number(l.suppressed ?? 0), 0);
    expect(suppressed + lines.filter((l) => !l.summary).length).toBe(1_000);
    expect(suppressed).toBeGreaterThan(900);
  });
});
