import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { ADMIN_TOKEN, expectProblem, READ_TOKEN, startAdminApp, type AdminApp } from "./support.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

let app: AdminApp;
let operations: { method: string; path: string }[] = [];

beforeAll(async () => {
  app = await startAdminApp();
  const doc = await (await fetch(`${app.url}/docs/json`)).json() as { paths: Record<string, Record<string, unknown>> };
  // Every operation the document lists, with its path parameters filled in: a new route is walked too.
  operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => ({
    method: method.toUpperCase(), path: path.replace(/^\/api\/v1/, "").replace(/\{[^}]+\}/g, "x"),
  })));
});
afterAll(() => app.close());

describe("admin auth on every operation of /docs/json", () => {
  test("the document lists the whole API", () => {
    expect(operations.length).toBeGreaterThanOrEqual(15);
  });

  test("401 without a token, with a Bearer challenge", async () => {
    for (const op of operations) {
      const result = await app.api(op.method, op.path, op.method === "GET" ? undefined : {}, null);
      expect({ ...op, status: result.status }).toEqual({ ...op, status: 401 });
      expectProblem(result, 401);
      expect(result.headers.get("www-authenticate")).toStartWith("Bearer");
    }
  });

  test("401 with a wrong token or another scheme", async () => {
    for (const op of operations) {
      expect({ ...op, status: (await app.api(op.method, op.path, undefined, "not-an-admin-token-0123456789")).status }).toEqual({ ...op, status: 401 });
      const basic = await fetch(`${app.url}/api/v1${op.path}`, { method: op.method, headers: { authorization: `Basic ${btoa("ops:x")}` } });
      expect({ ...op, status: basic.status }).toEqual({ ...op, status: 401 });
    }
  });

  /** POST /sessions/revoke: the one change the read scope allows (a session signing itself out). */
  const SIGN_OUT = "/sessions/revoke";

  test("a read-only token may GET (and sign itself out), and gets 403 for everything else", async () => {
    for (const op of operations) {
      const result = await app.api(op.method, op.path, op.method === "GET" ? undefined : {}, READ_TOKEN);
      if (op.path === SIGN_OUT) expect({ ...op, status: result.status }).toEqual({ ...op, status: 204 });
      else if (op.method === "GET") expect({ ...op, denied: [401, 403].includes(result.status) }).toEqual({ ...op, denied: false });
      else {
        expect({ ...op, status: result.status }).toEqual({ ...op, status: 403 });
        expectProblem(result, 403, /lacks the "write" scope/);
      }
    }
  });

  test("the bearer scheme name is case-insensitive", async () => {
    const response = await fetch(`${app.url}/api/v1/endpoints`, { headers: { authorization: `bEaReR ${READ_TOKEN}` } });
    expect(response.status).toBe(200);
  });

  test("the token is checked before the body is read: a body that is not JSON answers 401, or 403 for a read token", async () => {
    for (const op of operations.filter((o) => o.method !== "GET")) {
      const post = (headers: Record<string, string>) => fetch(`${app.url}/api/v1${op.path}`, { method: op.method, headers: { "content-type": "application/json", ...headers }, body: "{bad" });
      const anonymous = await post({});
      expect({ ...op, status: anonymous.status }).toEqual({ ...op, status: 401 });
      expect(anonymous.headers.get("content-type")).toStartWith("application/problem+json");
      expect(anonymous.headers.get("www-authenticate")).toStartWith("Bearer");
      const reader = await post({ authorization: `Bearer ${READ_TOKEN}` });
      // Signing out takes the read scope: its token passes, and the body is read and refused.
      expect({ ...op, status: reader.status }).toEqual({ ...op, status: op.path === SIGN_OUT ? 400 : 403 });
    }
  });

  test("with a valid token, a body that is not JSON answers 400", async () => {
    const response = await fetch(`${app.url}/api/v1/endpoints`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` }, body: "{bad" });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toStartWith("application/problem+json");
  });

  test("auth is checked before the body: no validation detail for a caller without a token", async () => {
    const result = await app.api("POST", "/endpoints", { url: 1, nope: true }, null);
    expectProblem(result, 401);
    expect(result.body.errors).toBeUndefined();
  });
});

describe("no admin token configured", () => {
  let bare: TestApp;
  beforeAll(async () => { bare = await startTestApp(baseConfig({ admin: { tokens: [] } })); });
  afterAll(() => bare.close());

  test("every operation answers 403 with how to configure a token", async () => {
    for (const op of operations) {
      const response = await fetch(`${bare.url}/api/v1${op.path}`, { method: op.method, headers: { authorization: "Bearer anything-at-all-0123456789" } });
      expect({ ...op, status: response.status }).toEqual({ ...op, status: 403 });
      const body = await response.json() as { detail: string };
      expect(body.detail).toContain("admin: { tokens:");
      expect(body.detail).toContain("HOOKGATE_ADMIN_TOKEN");
    }
  });

  test("the health check and the docs stay open", async () => {
    expect((await fetch(`${bare.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${bare.url}/docs/json`)).status).toBe(200);
  });
});
