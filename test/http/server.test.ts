import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { baseConfig, INGEST_TOKEN, startTestApp, type TestApp } from "../support/app.ts";
import { rawRequest } from "../support/raw.ts";
import { ADMIN_TOKEN } from "./support.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default;
// one test waits out the server's 10 s idle timeout.
setDefaultTimeout(30_000);

let app: TestApp;
const logs: string[] = [];
const levelBefore = process.env.HOOKGATE_LOG_LEVEL;

beforeAll(async () => {
  process.env.HOOKGATE_LOG_LEVEL = "debug";
  app = await startTestApp(baseConfig({ server: { host: "127.0.0.1", port: 0, maxBodyBytes: 64 * 1024 } }), { logs });
});
afterAll(async () => {
  await app.close();
  if (levelBefore === undefined) delete process.env.HOOKGATE_LOG_LEVEL;
  else process.env.HOOKGATE_LOG_LEVEL = levelBefore;
});

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const ingest = { authorization: `Bearer ${INGEST_TOKEN}`, "content-type": "application/json" };
const event = JSON.stringify({ type: "x.y", data: {} });

describe("every answer carries nosniff and no-referrer", () => {
  test("admin, docs, health, errors and the sources' routes", async () => {
    const cases: [string, () => Promise<Response>, number][] = [
      ["healthz", () => fetch(`${app.url}/healthz`), 200],
      ["unknown path", () => fetch(`${app.url}/nope`), 404],
      ["docs page", () => fetch(`${app.url}/docs`), 200],
      ["docs asset", () => fetch(`${app.url}/docs/assets/swagger-ui.css`), 200],
      ["docs asset missing", () => fetch(`${app.url}/docs/assets/constructor`), 404],
      ["openapi", () => fetch(`${app.url}/docs/json`), 200],
      ["admin list", () => fetch(`${app.url}/api/v1/endpoints`, { headers: admin }), 200],
      ["admin 401", () => fetch(`${app.url}/api/v1/endpoints`), 401],
      ["admin 404", () => fetch(`${app.url}/api/v1/endpoints/nope`, { headers: admin }), 404],
      ["admin 422", () => fetch(`${app.url}/api/v1/deliveries?limit=0`, { headers: admin }), 422],
      ["admin 400", () => fetch(`${app.url}/api/v1/endpoints`, { method: "POST", headers: { ...admin, "content-type": "application/json" }, body: "{bad" }), 400],
      ["admin 413", () => fetch(`${app.url}/api/v1/endpoints`, { method: "POST", headers: { ...admin, "content-type": "application/json" }, body: "x".repeat(70_000) }), 413],
      ["ingest 202", () => fetch(`${app.url}/v1/events`, { method: "POST", headers: ingest, body: event }), 202],
      ["ingest 401", () => fetch(`${app.url}/v1/events`, { method: "POST", body: event }), 401],
      ["ingest 400", () => fetch(`${app.url}/v1/events`, { method: "POST", headers: ingest, body: "{bad" }), 400],
      ["ingest 413", () => fetch(`${app.url}/v1/events`, { method: "POST", headers: ingest, body: "x".repeat(70_000) }), 413],
      ["ingest 415", () => fetch(`${app.url}/v1/events`, { method: "POST", headers: { ...ingest, "content-type": "text/plain" }, body: event }), 415],
      ["ingest 422", () => fetch(`${app.url}/v1/events`, { method: "POST", headers: ingest, body: "[]" }), 422],
      ["ingest path, other method", () => fetch(`${app.url}/v1/events`), 404],
    ];
    for (const [name, call, status] of cases) {
      const response = await call();
      await response.arrayBuffer();
      const seen = { status: response.status, nosniff: response.headers.get("x-content-type-options"), referrer: response.headers.get("referrer-policy") };
      expect({ name, ...seen }).toEqual({ name, status, nosniff: "nosniff", referrer: "no-referrer" });
    }
  });
});

describe("HTTP/1.0 without a Host header", () => {
  test("the health check, the docs and the admin API answer it, body included", async () => {
    expect((await rawRequest(app.port, "GET /healthz HTTP/1.0\r\n\r\n")).status).toBe(200);
    expect((await rawRequest(app.port, "GET /docs/assets/init.js HTTP/1.0\r\n\r\n")).status).toBe(200);
    const list = await rawRequest(app.port, `GET /api/v1/endpoints?limit=5 HTTP/1.0\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n\r\n`);
    expect(list.status).toBe(200);
    expect(JSON.parse(list.body)).toEqual({ data: [], nextCursor: null });
    expect((await rawRequest(app.port, "GET /api/v1/endpoints HTTP/1.0\r\n\r\n")).status).toBe(401);
    const body = JSON.stringify({ url: "http://127.0.0.1:9/hook", events: ["*"], verify: false });
    const created = await rawRequest(app.port, `POST /api/v1/endpoints HTTP/1.0\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    expect(created.status).toBe(201);
    expect(JSON.parse(created.body).url).toBe("http://127.0.0.1:9/hook");
  });
});

describe("an upload cut off midway", () => {
  /** Opens a connection and sends the head and the start of a body that never ends. */
  function startUpload(head: string, cutAfterMs: number | null): Promise<void> {
    const start = head.includes("chunked") ? '8\r\n{"type":\r\n' : '{"type":';
    return new Promise((resolve) => {
      const socket: Socket = connect(app.port, "127.0.0.1", () => socket.write(`${head}\r\n\r\n${start}`));
      socket.on("error", () => {});
      socket.on("close", () => resolve());
      // Left alone, the server cuts the connection within its 10 s idle timeout; 20 s ends the test if it does not.
      setTimeout(() => socket.destroy(), cutAfterMs ?? 20_000);
    });
  }

  test("by the client or by the server's idle timeout: one debug line each with the reason, no error line", async () => {
    const from = logs.length;
    const ingestHead = `POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${INGEST_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000`;
    const adminHead = `POST /api/v1/endpoints HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked`;
    await Promise.all([
      startUpload(ingestHead, 200),
      startUpload(adminHead.replace("Transfer-Encoding: chunked", "Content-Length: 1000"), 200),
      // These two wait for the server to cut them off (its idle timeout is 10 s).
      startUpload(ingestHead.replace("Content-Length: 1000", "Transfer-Encoding: chunked"), null),
      startUpload(adminHead, null),
    ]);
    // The server may log just after it closed the connection.
    await Bun.sleep(200);
    const lines = logs.slice(from).map((line) => JSON.parse(line) as { level: string; msg: string; reason?: string; path?: string });
    expect(lines.filter((l) => l.level === "error" || l.level === "warn")).toEqual([]);
    const debug = lines.filter((l) => l.level === "debug");
    expect(debug.map((l) => l.path).sort()).toEqual(["/api/v1/endpoints", "/api/v1/endpoints", "/v1/events", "/v1/events"]);
    for (const line of debug) expect(line.reason).toMatch(/closed/i);
  });
});
