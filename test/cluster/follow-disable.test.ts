import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_TOKEN, baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";

setDefaultTimeout(60_000);

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/**
 * Issue 14 meets issue 15: an endpoint auto-disabled by the process that sent to it (a 410) is followed by the
 * other process through the change log (catchUp, one row): it stops there too, hookgate_endpoints on both says
 * so, and the operational event is said once, by the process that disabled it.
 */
describe.skipIf(skipPg)("two processes on one Postgres: an auto-disable on one", () => {
  let receiver: Receiver;
  let db: TestDatabase;
  let dir: string;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    receiver = startReceiver((req) => (req.path.endsWith("/gone") ? new Response("gone", { status: 410 }) : new Response("ok")));
    db = await createDatabase();
    dir = mkdtempSync(join(tmpdir(), "hookgate-follow-")); // one master.key for both, as in a deployment
    const config = baseConfig({
      store: { postgres: db.url },
      endpoints: [
        { id: "gone", url: `${receiver.url}/gone`, secret: SECRET, events: ["job.*"] },
        { id: "ops", url: `${receiver.url}/ops`, secret: SECRET, events: ["hookgate.endpoint.disabled"] },
      ] as never,
    });
    a = await startTestApp(config, { dir });
    b = await startTestApp(config, { dir });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    receiver?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const disabledGauge = async (app: TestApp) => {
    const text = await (await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    return Number(/^hookgate_endpoints\{state="disabled"\} (\d+)/m.exec(text)?.[1]);
  };

  test("the other process follows it within 2 s, both count it, the event is said once", async () => {
    expect(b.registry.get("gone")?.enabled).toBe(true);
    expect((await a.post({ type: "job.done", data: {} })).status).toBe(202);
    await waitFor(() => a.registry.get("gone")?.enabled === false, { timeoutMs: 10_000, what: "the 410's disable on the process that sent" });
    const disabledAt = Date.now();
    await waitFor(() => b.registry.get("gone")?.enabled === false, { timeoutMs: 5_000, what: "the disable on the other process" });
    expect(Date.now() - disabledAt).toBeLessThan(2_000);
    expect(await disabledGauge(a)).toBe(1);
    expect(await disabledGauge(b)).toBe(1);

    await waitFor(() => receiver.requests.some((r) => r.path.endsWith("/ops")), { timeoutMs: 10_000, what: "the operational event" });
    expect((await b.post({ type: "job.done", data: {} })).status).toBe(202); // ingested on b: no delivery to a disabled endpoint
    await Bun.sleep(1_500); // a fixed wait: no second operational event and no delivery may come within it
    const said = receiver.requests.filter((r) => r.path.endsWith("/ops")).map((r) => JSON.parse(r.body) as { type: string; data: { endpointId: string } });
    expect(said.map((e) => [e.type, e.data.endpointId])).toEqual([["hookgate.endpoint.disabled", "gone"]]);
    expect(receiver.requests.filter((r) => r.path.endsWith("/gone"))).toHaveLength(1);
  });
});
