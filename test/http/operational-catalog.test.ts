import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import * as v from "valibot";
import { resolveConfig } from "../../src/config/load.ts";
import { builtinPlugins } from "../../plugins/index.ts";
import { baseConfig, INGEST_TOKEN } from "../support/app.ts";
import { startReceiver } from "../support/receiver.ts";
import { expectProblem, SECRET, sessionOf, startAdminApp, type AdminApp } from "./support.ts";

setDefaultTimeout(30_000);

const FIVE = ["hookgate.endpoint.disabled", "hookgate.endpoint.enabled", "hookgate.delivery.exhausted", "hookgate.secret.rotated", "hookgate.source.error"];
const catalog = { "job.done": { description: "a job finished", schema: v.object({ n: v.number() }) } };

describe("operational events in the catalog, in subscriptions, and out of sources' reach", () => {
  let app: AdminApp;
  beforeAll(async () => { app = await startAdminApp({ events: catalog as never }); });
  afterAll(() => app.close());

  test("GET /event-types lists the five types with their JSON Schemas, after the config's, for ops; a tenant the four about its own endpoints", async () => {
    for (const token of [undefined, await sessionOf(app, "acme", ["read"])]) {
      const { status, body } = await app.api("GET", "/event-types", undefined, token);
      expect(status).toBe(200);
      const types = body.data.map((t: { type: string }) => t.type);
      // hookgate.source.error is about the gateway itself: a tenant's endpoints never receive it (DESIGN 10).
      expect(types).toEqual(["job.done", ...FIVE.filter((t) => token === undefined || t !== "hookgate.source.error")]);
      for (const entry of body.data.slice(1)) {
        expect(entry.inCatalog).toBe(true);
        expect(entry.description.length).toBeGreaterThan(20);
        expect(entry.schema.type).toBe("object");
      }
      const disabled = body.data.find((t: { type: string }) => t.type === "hookgate.endpoint.disabled");
      expect(Object.keys(disabled.schema.properties)).toEqual(["endpointId", "url", "reason", "disabledAt"]);
      const exhausted = body.data.find((t: { type: string }) => t.type === "hookgate.delivery.exhausted");
      expect(exhausted.schema.required).toEqual(["deliveryId", "eventId", "eventType", "endpointId", "attempts", "lastStatusCode", "lastError"]);
    }
  });

  test("an API endpoint may subscribe to them by name beside a catalog; a misspelled one is refused", async () => {
    const ok = await app.api("POST", "/endpoints", { url: "http://127.0.0.1:9/ops", events: ["hookgate.endpoint.disabled", "hookgate.*"], verify: false });
    expect(ok.status).toBe(201);
    const bad = await app.api("POST", "/endpoints", { url: "http://127.0.0.1:9/ops", events: ["hookgate.endpoint.disabeld"], verify: false });
    expectProblem(bad, 422, /.*/);
    expect(JSON.stringify(bad.body)).toContain("hookgate.endpoint.disabeld");
  });

  test("an admin's /test may send a sample operational event to one endpoint, to try its handler", async () => {
    const receiver = startReceiver();
    try {
      const created = await app.api("POST", "/endpoints", { url: receiver.url, events: ["hookgate.endpoint.disabled"], verify: false });
      const data = { endpointId: "ep_x", url: "https://a.example/hooks", reason: "a sample", disabledAt: new Date().toISOString() };
      const sent = await app.api("POST", `/endpoints/${created.body.id}/test`, { type: "hookgate.endpoint.disabled", data });
      expect(sent.status).toBe(200);
      expect(receiver.requests).toHaveLength(1);
      expect(JSON.parse(receiver.requests[0]!.body)).toEqual(expect.objectContaining({ type: "hookgate.endpoint.disabled", data }));
    } finally {
      receiver.stop();
    }
  });

  test("a source cannot send a hookgate.* type: a `*` token may not, and one naming them is refused at validation", async () => {
    const refused = await app.post({ type: "hookgate.endpoint.disabled", data: { endpointId: "x" } });
    expect(refused.status).toBe(403);
    // Without a catalog, with a token that names the namespace: still refused, by the event rule.
    const open = await startAdminApp({ sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: INGEST_TOKEN, events: ["hookgate.*"] }] }] as never });
    try {
      const again = await open.post({ type: "hookgate.source.error", data: {} });
      expect(again.status).toBe(422);
      expect(await again.text()).toContain("hookgate's own operational events");
    } finally {
      await open.close();
    }
  });
});

test("a config endpoint subscribes to an operational type beside a catalog; a misspelled one fails check", async () => {
  const endpoint = (events: string[]) => baseConfig({ events: catalog as never, endpoints: [{ id: "ops", url: "http://127.0.0.1:9/ops", secret: SECRET, events }] as never });
  const good = await resolveConfig(endpoint(["hookgate.endpoint.disabled", "job.done"]), "/tmp/webhooks.config.ts", builtinPlugins);
  expect(good.ok).toBe(true);
  const bad = await resolveConfig(endpoint(["hookgate.endpoint.disabeld"]), "/tmp/webhooks.config.ts", builtinPlugins);
  expect(bad.ok).toBe(false);
  if (!bad.ok) expect(bad.problems).toContainEqual({ path: "endpoints[0].events[0]", message: expect.stringContaining("hookgate.endpoint.disabeld") });
});

test("a config's catalog cannot define a hookgate.* type of its own", async () => {
  const result = await resolveConfig(baseConfig({ events: { "hookgate.mine": { description: "" } } as never }), "/tmp/webhooks.config.ts", builtinPlugins);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.problems).toEqual([{ path: 'events["hookgate.mine"]', message: expect.stringContaining("hookgate's own operational events") }]);
});
