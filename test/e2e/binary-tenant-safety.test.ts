import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { startBinary, writeConfig, type Running } from "../support/binary.ts";
import { rawRequest } from "../support/raw.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";

// Issue 21 on the compiled binary: one path whatever the Host, a Host that cannot be parsed is 400, a session's
// rate, idempotency keys per tenant, and a tenant's endpoint kept out of the networks only ops may open.
setDefaultTimeout(60_000);

const ADMIN = "binary-admin-token-0123456789";
const INGEST = "binary-ingest-token-0123456789";

let receiver: Receiver;
let running: Running;
let port: number;
beforeAll(async () => {
  receiver = startReceiver();
  running = await startBinary(writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0, publicUrl: "https://hooks.example.com" },
  store: { sqlite: "./data/hookgate.db" },
  admin: { tokens: [{ name: "ops", token: "${ADMIN}" }] },
  tenants: { requestsPerSecond: 2, allowNetworks: [] },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"] },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "${INGEST}", events: ["*"] }] }],
  endpoints: [
    { id: "acme-rx", tenant: "acme", url: "${receiver.url}", events: ["*"], signing: { scheme: "none" } },
    { id: "beta-rx", tenant: "beta", url: "${receiver.url}", events: ["*"], signing: { scheme: "none" } },
  ],
});
`));
  port = Number(new URL(running.url).port);
});
afterAll(async () => { await running?.stop(); receiver.stop(); });

const api = async (method: string, path: string, token = ADMIN, body?: unknown) => {
  const response = await fetch(`${running.url}/api/v1${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { "content-type": "application/json" }) }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json().catch(() => null) as any };
};
const raw = (request: string) => rawRequest(port, request);

describe("tenant safety on the compiled binary", () => {
  test("a short Host moves no route: a session never reaches /tenants; an odd Host is 400", async () => {
    const { token, url } = (await api("POST", "/tenants/acme/sessions", ADMIN, {})).body;
    expect(url).toStartWith("https://hooks.example.com/portal#token=");
    for (const [target, host] of [["/ab/api/v1/tenants", "x"], ["//api/v1/tenants", "xyz"], ["/api/v1/tenants", "a"]]) {
      const listed = await raw(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
      expect(listed.status).not.toBe(200);
      expect(listed.body).not.toContain("beta");
      const opened = await raw(`POST ${target}/beta/sessions HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
      expect(opened.body).not.toContain("hgs_");
      await raw(`DELETE ${target}/beta HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
    }
    expect((await api("GET", "/tenants/beta")).status).toBe(200);
    expect((await raw(`GET /api/v1/tenants HTTP/1.1\r\nHost: a/b\r\nAuthorization: Bearer ${ADMIN}\r\nConnection: close\r\n\r\n`)).status).toBe(400);
  });

  test("a session past tenants.requestsPerSecond gets 429 with Retry-After", async () => {
    const { token } = (await api("POST", "/tenants/acme/sessions", ADMIN, {})).body;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const answer = await api("GET", "/endpoints", token);
      statuses.push(answer.status);
      retryAfter ??= answer.headers.get("retry-after");
    }
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await api("GET", "/endpoints")).status).toBe(200);
  });

  test("one idempotency key under two tenants is two events, each delivered to its own tenant", async () => {
    const send = (tenant: string) => fetch(`${running.url}/v1/events`, {
      method: "POST", headers: { authorization: `Bearer ${INGEST}`, "content-type": "application/json", "idempotency-key": "K-1" },
      body: JSON.stringify({ type: "order.paid", tenant, data: {} }),
    });
    const acme = await send("acme");
    const beta = await send("beta");
    expect([acme.status, beta.status]).toEqual([202, 202]);
    const [a, b] = [await acme.json() as { id: string }, await beta.json() as { id: string }];
    expect(a.id).not.toBe(b.id);
    const again = await send("acme");
    expect(again.status).toBe(200);
    expect((await again.json() as { id: string }).id).toBe(a.id);
    await waitFor(() => [a.id, b.id].every((id) => receiver.requests.some((r) => r.headers["webhook-id"] === id)), { timeoutMs: 10_000, what: "both deliveries" });
  });

  test("a tenant's API endpoint cannot reach a network only delivery.allowNetworks opens", async () => {
    const created = await api("POST", "/endpoints", ADMIN, { url: receiver.url, events: ["*"], tenant: "acme", verify: false });
    expect(created.status).toBe(422);
    expect(JSON.stringify(created.body.errors)).toContain("tenants.allowNetworks");
  });
});
