import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import * as v from "valibot";
import { definePlugin, type Source } from "../../src/plugin-api/index.ts";
import { createLogger } from "../../src/log.ts";
import { SourceSupervisor } from "../../src/sources/supervisor.ts";
import type { SourceState } from "../../src/sources/supervised.ts";
import { StoreWrites } from "../../src/store/store-errors.ts";
import type { Store } from "../../src/store/types.ts";
import { waitFor } from "../support/wait.ts";
import { dbOf } from "../support/store-db.ts";
import { STORES } from "../support/stores.ts";

setDefaultTimeout(30_000);

const sqlite = STORES.find((s) => s.name === "sqlite")!;
let opened: Awaited<ReturnType<typeof sqlite.open>> | null = null;
afterEach(async () => { await opened?.store.close(); await opened?.cleanup(); opened = null; });

/** A source whose start fails `failures` times, then runs; it counts its starts and stops. */
function flaky(failures: number) {
  const seen = { starts: 0, stops: 0 };
  const plugin = definePlugin({
    type: "flaky", options: v.object({}),
    create: (): Source => ({
      async start() { if (++seen.starts <= failures) throw new Error(`refused #${seen.starts}`); },
      async stop() { seen.stops++; },
    }),
  });
  return { plugin, seen };
}

async function supervise(store: Store, plugin: ReturnType<typeof flaky>["plugin"], signal = new AbortController().signal) {
  const lines: string[] = [];
  const supervisor = new SourceSupervisor([{ id: "f", type: "flaky", plugin, options: {} }], {
    store, ingest: { emit: async () => [] }, writes: new StoreWrites("test"), log: createLogger({}, (l) => { lines.push(l); }),
    fetch: (() => { throw new Error("no fetch here"); }) as never, settings: { maxBodyBytes: 1024, eventTypes: null, configDir: "." }, signal,
  });
  const state = () => (supervisor as unknown as { sources: { state: SourceState }[] }).sources[0]!.state.kind;
  return { supervisor, lines, state };
}

const statusOf = async (store: Store) => (await dbOf(store).selectFrom("source_state").selectAll().where("id", "=", "f").executeTakeFirst())?.status;

describe("a supervised source's state", () => {
  test("standby → starting → backoff (status error, logged with the delay) → starting → running; stop → stopped", async () => {
    opened = await sqlite.open();
    await opened.store.migrate();
    const { plugin, seen } = flaky(1);
    const { supervisor, lines, state } = await supervise(opened.store, plugin);
    expect(state()).toBe("standby");
    supervisor.start();
    await waitFor(() => state() === "backoff", { timeoutMs: 5_000, what: "the first start refused" });
    expect(await statusOf(opened.store)).toBe("error");
    const failed = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "source failed to start");
    expect(failed).toMatchObject({ source: "f", error: "refused #1" });
    // The first retry comes after 1 s, less up to 20 % jitter.
    expect(failed.retryInMs).toBeGreaterThanOrEqual(800);
    expect(failed.retryInMs).toBeLessThanOrEqual(1_000);
    await waitFor(() => state() === "running", { timeoutMs: 5_000, what: "the retried start" });
    await waitFor(async () => (await statusOf(opened!.store)) === "running", { timeoutMs: 2_000, what: "status running" });
    expect(seen.starts).toBe(2);
    await supervisor.stop();
    expect(state()).toBe("stopped");
    expect(seen.stops).toBe(2); // after the failed start, and at the stop
  });

  test("a stop while in backoff cancels the retry: no start after the stop", async () => {
    opened = await sqlite.open();
    await opened.store.migrate();
    const { plugin, seen } = flaky(100);
    const { supervisor, state } = await supervise(opened.store, plugin);
    supervisor.start();
    await waitFor(() => state() === "backoff", { timeoutMs: 5_000, what: "the first start refused" });
    await supervisor.stop();
    expect(state()).toBe("stopped");
    await Bun.sleep(1_200); // past the first retry's delay
    expect(seen.starts).toBe(1);
  });
});
