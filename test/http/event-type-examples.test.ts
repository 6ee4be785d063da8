import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as v from "valibot";
import { exampleOf } from "../../src/http/admin/examples.ts";
import { resolveConfig } from "../../src/config/load.ts";
import { baseConfig } from "../support/app.ts";
import { startReceiver } from "../support/receiver.ts";
import { builtinPlugins } from "../../plugins/index.ts";
import { sessionOf, startAdminApp, type AdminApp } from "./support.ts";

describe("exampleOf: a value shaped by a JSON Schema", () => {
  test.each([
    [{ type: "string" }, "example"],
    [{ type: "string", format: "date-time" }, "2026-03-14T16:45:00.000Z"],
    [{ type: "integer" }, 1],
    [{ type: "boolean" }, true],
    [{ enum: ["eu", "us"] }, "eu"],
    [{ type: "string", examples: ["given"] }, "given"],
    [{ type: "array", items: { type: "number" } }, [1]],
    [{ anyOf: [{ type: "null" }, { type: "string" }] }, "example"],
    [{ type: "object", properties: { orderId: { type: "string" }, total: { type: "number" } } }, { orderId: "order_123", total: 1 }],
    [null, null],
  ] as const)("%j → %j", (schema, expected) => expect(exampleOf(schema as never)).toEqual(expected));
});

describe("GET /event-types: examples, operator types and a config example", () => {
  let app: AdminApp;
  beforeAll(async () => {
    app = await startAdminApp({ events: {
      "order.created": { description: "An order", schema: v.object({ orderId: v.string(), total: v.number() }) },
      "job.created": { schema: v.object({ jobId: v.string(), region: v.picklist(["eu", "us"]) }), example: { jobId: "job_42", region: "us" } },
    } } as never);
  });
  afterAll(async () => { await app.close(); });

  test("each type carries an example: the config's, else one built from its schema, valid against it", async () => {
    const { body } = await app.api("GET", "/event-types");
    const byType = Object.fromEntries(body.data.map((t: { type: string }) => [t.type, t]));
    expect(byType["job.created"].example).toEqual({ jobId: "job_42", region: "us" });
    expect(byType["order.created"].example).toEqual({ orderId: "order_123", total: 1 });
    expect(byType["hookgate.endpoint.disabled"].example).toMatchObject({ endpointId: expect.any(String), url: expect.any(String) });
    expect(byType["hookgate.source.error"].forTenants).toBe(false);
    expect(byType["hookgate.endpoint.disabled"].forTenants).toBe(true);
  });

  test("a tenant session is not offered the types about the gateway itself", async () => {
    const { body } = await app.api("GET", "/event-types", undefined, await sessionOf(app, "acme"));
    const types = body.data.map((t: { type: string }) => t.type);
    expect(types).not.toContain("hookgate.source.error");
    expect(types).toContain("hookgate.delivery.exhausted");
    expect(types).toContain("order.created");
  });

  test("a test event of a type with no data given sends the type's example, not a message that breaks its schema", async () => {
    const receiver = startReceiver();
    try {
      const { body: ep } = await app.api("POST", "/endpoints", { url: `${receiver.url}/examples`, events: ["job.*"], verify: false });
      const sent = await app.api("POST", `/endpoints/${ep.id}/test`, { type: "job.created" });
      expect(sent.body).toMatchObject({ statusCode: 200 });
      expect(JSON.parse(receiver.requests.at(-1)!.body)).toMatchObject({ type: "job.created", data: { jobId: "job_42", region: "us" } });
      // A type without an example in the config, and the default ping, keep the plain message.
      await app.api("POST", `/endpoints/${ep.id}/test`, {});
      expect(JSON.parse(receiver.requests.at(-1)!.body)).toMatchObject({ type: "ping", data: { message: "a test event from hookgate" } });
    } finally {
      receiver.stop();
    }
  });

  test("a config example that breaks its schema is refused at load, naming the type", async () => {
    const result = await resolveConfig(baseConfig({ events: { "job.created": { schema: v.object({ jobId: v.string() }), example: { jobId: 42 } } } } as never), "/tmp/webhooks.config.ts", builtinPlugins);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(!result.ok && result.problems)).toContain("job.created");
    expect(JSON.stringify(!result.ok && result.problems)).toContain("does not match the type's schema");
  });
});
