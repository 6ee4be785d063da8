import SwaggerParser from "@apidevtools/swagger-parser";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { startReceiver } from "../support/receiver.ts";
import { startAdminApp, type AdminApp } from "./support.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

let app: AdminApp;
let doc: any;

beforeAll(async () => {
  app = await startAdminApp();
  const response = await fetch(`${app.url}/docs/json`);
  expect(response.status).toBe(200);
  doc = await response.json();
});
afterAll(() => app.close());

const operations = () => Object.entries(doc.paths as Record<string, Record<string, any>>)
  .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, method, path, op })));

describe("/docs/json", () => {
  test("is a valid OpenAPI 3.1 document (swagger-parser)", async () => {
    expect(doc.openapi).toStartWith("3.1.");
    await SwaggerParser.validate(structuredClone(doc));
  });

  test("declares the bearer scheme and applies it to the whole API", () => {
    expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: "http", scheme: "bearer" }));
    expect(doc.security).toEqual([{ bearer: [] }]);
  });

  test("holds every route of DESIGN sections 5, 10 and 15 (and GET /me, POST /sessions/revoke) and nothing outside /api/v1", () => {
    const ids = operations().map((o) => o.id).sort();
    expect(ids).toEqual([
      "DELETE /api/v1/endpoints/{id}", "GET /api/v1/deliveries", "GET /api/v1/deliveries/{id}", "GET /api/v1/endpoints",
      "GET /api/v1/endpoints/{id}", "GET /api/v1/endpoints/{id}/public-keys", "GET /api/v1/endpoints/{id}/stats", "GET /api/v1/event-types", "GET /api/v1/events", "GET /api/v1/events/{id}", "GET /api/v1/me", "GET /api/v1/sources",
      "PATCH /api/v1/endpoints/{id}", "POST /api/v1/deliveries/{id}/retry", "POST /api/v1/endpoints", "POST /api/v1/endpoints/{id}/recover",
      "POST /api/v1/endpoints/{id}/rotate-secret", "POST /api/v1/endpoints/{id}/test", "POST /api/v1/sessions/revoke",
      ...["DELETE /api/v1/tenants/{id}", "DELETE /api/v1/tenants/{id}/sessions", "GET /api/v1/tenants", "GET /api/v1/tenants/{id}", "POST /api/v1/tenants/{id}/sessions", "PUT /api/v1/tenants/{id}"],
    ].sort());
  });

  test("every operation declares its parameters, body and each answer with a schema", () => {
    for (const { id, method, path, op } of operations()) {
      expect({ id, operationId: typeof op.operationId }).toEqual({ id, operationId: "string" });
      const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p: any) => p.in === "path").map((p: any) => p.name);
      expect({ id, params: declared }).toEqual({ id, params: pathParams });
      for (const p of op.parameters ?? []) expect({ id, p: p.name, hasSchema: !!p.schema }).toEqual({ id, p: p.name, hasSchema: true });
      if (method === "post" || method === "patch") {
        expect({ id, body: Object.keys(op.requestBody?.content ?? {}) }).toEqual({ id, body: ["application/json"] });
        expect(op.requestBody.content["application/json"].schema.type).toBe("object");
      }
      const statuses = Object.keys(op.responses);
      expect({ id, has: ["401", "403"].every((s) => statuses.includes(s)) }).toEqual({ id, has: true });
      expect({ id, success: statuses.some((s) => s.startsWith("2")) }).toEqual({ id, success: true });
      for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
        if (status === "204") continue;
        const type = Number(status) >= 400 ? "application/problem+json" : "application/json";
        expect({ id, status, schema: !!response.content?.[type]?.schema }).toEqual({ id, status, schema: true });
      }
    }
  });

  test("no answer schema can carry a secret but the create, rotate and update answers (a scheme change may re-issue it)", () => {
    for (const { id, op } of operations()) {
      const text = JSON.stringify(op.responses);
      const allowed = ["createEndpoint", "rotateEndpointSecret", "updateEndpoint"].includes(op.operationId);
      expect({ id, signingSecret: text.includes("signingSecret") }).toEqual({ id, signingSecret: allowed });
      expect({ id, secret: /"(secret|previousSecret)"/.test(text) }).toEqual({ id, secret: false });
    }
  });

  test("request examples are sent as they are: the create example saves nothing, the others are valid", async () => {
    const examples = operations().filter((o) => o.op.requestBody).map((o) => ({ ...o, example: o.op.requestBody.content["application/json"].schema.examples?.[0] }));
    const create = examples.find((o) => o.op.operationId === "createEndpoint")!;
    expect(create.example).toEqual(expect.objectContaining({ url: expect.stringMatching(/^https:\/\//), events: ["order.created"] }));
    expect(create.example.verify).toBeUndefined();
    expect((await app.api("POST", "/endpoints", create.example)).status).toBe(422);
    expect((await app.api("GET", "/endpoints")).body.data).toEqual([]);
    const { body: ep } = await app.api("POST", "/endpoints", { url: "http://127.0.0.1:9/x", events: ["*"], verify: false, enabled: false });
    for (const o of examples.filter((x) => x.example !== undefined && x.path.includes("/endpoints/{id}"))) {
      const result = await app.api(o.method.toUpperCase(), o.path.replace("/api/v1", "").replace("{id}", ep.id), o.example);
      expect({ id: o.id, status: result.status }).toEqual({ id: o.id, status: 200 });
    }
  });

  test("every request example is valid as sent and harmless: the create example saves a usable endpoint for one type, PATCH changes a label, recover reaches back an hour", async () => {
    const examples = operations().filter((o) => o.op.requestBody).map((o) => ({ ...o, example: o.op.requestBody.content["application/json"].schema.examples?.[0] }));
    // Swagger UI pre-fills these: a value a new user would send unread must not cripple an endpoint.
    const numbers = (value: unknown, key: string): number[] => value === null || typeof value !== "object" ? [] :
      Object.entries(value).flatMap(([k, x]) => (k === key && typeof x === "number" ? [x] : numbers(x, key)));
    for (const { id, example } of examples) {
      expect({ id, timeoutMs: numbers(example, "timeoutMs").filter((n) => n < 1_000) }).toEqual({ id, timeoutMs: [] });
      expect({ id, rateLimit: numbers(example, "rateLimit").filter((n) => n < 1) }).toEqual({ id, rateLimit: [] });
    }
    const create = examples.find((o) => o.op.operationId === "createEndpoint")!.example;
    expect(create).toEqual(expect.objectContaining({ timeoutMs: 10_000, rateLimit: 50 }));
    expect(examples.find((o) => o.op.operationId === "updateEndpoint")!.example).toEqual({ description: "Orders of the EU shop" });
    const since = Date.parse(examples.find((o) => o.op.operationId === "recoverDeliveries")!.example.since);
    expect(Date.now() - since).toBeGreaterThan(3_000_000);
    expect(Date.now() - since).toBeLessThan(86_400_000);

    // As sent, on real resources: the schema takes each (no 400, no 422 listing errors); the create's 422 is its ping's.
    const receiver = startReceiver();
    try {
      const refused = await app.api("POST", "/endpoints", create);
      expect(refused.status).toBe(422);
      expect(refused.body.errors).toEqual([{ path: "url", message: "did not answer the ping with a 2xx" }]);
      expect(refused.body.attempt).toBeDefined();
      // The same example, its URL pointed at a receiver that answers the ping: saved, with the example's options.
      const saved = await app.api("POST", "/endpoints", { ...create, url: receiver.url });
      expect(saved.status).toBe(201);
      expect(saved.body).toMatchObject({ enabled: true, timeoutMs: 10_000, rateLimit: 50, events: ["order.created"] });
      const test = await app.api("POST", `/endpoints/${saved.body.id}/test`, {});
      expect({ status: test.status, outcome: test.body.outcome, statusCode: test.body.statusCode }).toEqual({ status: 200, outcome: "succeeded", statusCode: 200 });
      const ids: Record<string, string> = { endpoints: saved.body.id, tenants: "acme" };
      for (const o of examples.filter((x) => x.example !== undefined && x.op.operationId !== "createEndpoint")) {
        const path = o.path.replace("/api/v1", "").replace("{id}", ids[o.path.split("/")[3]!] ?? "none");
        const result = await app.api(o.method.toUpperCase(), path, o.example);
        expect({ id: o.id, status: result.status }).toEqual({ id: o.id, status: result.status < 300 ? result.status : -1 });
      }
      expect((await app.api("GET", `/endpoints/${saved.body.id}`)).body).toMatchObject({ enabled: true, description: "Orders of the EU shop" });
    } finally { receiver.stop(); }
  });

  test("the docs page and its assets name no other host", async () => {
    const page = await (await fetch(`${app.url}/docs`)).text();
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(page).toContain("/docs/assets/swagger-ui-bundle.js");
    const init = await (await fetch(`${app.url}/docs/assets/init.js`)).text();
    expect(init).toContain("validatorUrl: null");
    for (const asset of ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"]) {
      const response = await fetch(`${app.url}/docs/assets/${asset}`);
      expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(500);
    }
    expect((await fetch(`${app.url}/docs/assets/nope.js`)).status).toBe(404);
  });

  test("an asset name that is only an inherited property of an object is 404", async () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
      const response = await fetch(`${app.url}/docs/assets/${name}`);
      expect({ name, status: response.status }).toEqual({ name, status: 404 });
      expect(response.headers.get("content-type")).toStartWith("application/problem+json");
    }
  });
});
