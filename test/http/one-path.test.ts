import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rawRequest, type RawResponse } from "../support/raw.ts";
import { ADMIN_TOKEN, startAdminApp, type AdminApp } from "./support.ts";

// DESIGN §9, "One request, one path": authentication, the session's route rules and the router read the same parsed
// path, and no Host value (short, empty, odd) changes which route runs. Elysia's router finds the path by position
// (url.indexOf("/", 11)), so a Host of 1–3 characters used to move it: `GET /ab/api/v1/tenants` with `Host: x` ran
// /api/v1/tenants while the gate and the session rules read /ab/api/v1/tenants.
setDefaultTimeout(60_000);

let app: AdminApp;
let session: string;
beforeAll(async () => {
  app = await startAdminApp();
  expect((await app.api("PUT", "/tenants/beta", { name: "Beta" })).status).toBe(200);
  const created = await app.api("POST", "/tenants/acme/sessions", { scopes: ["read", "write"] });
  expect(created.status).toBe(201);
  session = created.body.token;
});
afterAll(() => app.close());

function send(method: string, target: string, host: string | null, token: string | null, body?: string): Promise<RawResponse> {
  const lines = [`${method} ${target} HTTP/1.1`];
  if (host !== null) lines.push(`Host: ${host}`);
  if (token !== null) lines.push(`Authorization: Bearer ${token}`);
  if (body !== undefined) lines.push("Content-Type: application/json", `Content-Length: ${Buffer.byteLength(body)}`);
  lines.push("Connection: close");
  return rawRequest(app.port, `${lines.join("\r\n")}\r\n\r\n${body ?? ""}`);
}

/** One path of every route group: the admin API's resources, the ops-only ones, and the routes beside them. */
const GROUPS = [
  "/api/v1/tenants", "/api/v1/tenants/beta", "/api/v1/sources", "/api/v1/endpoints", "/api/v1/events", "/api/v1/deliveries",
  "/api/v1/event-types", "/api/v1/me", "/healthz", "/readyz", "/docs/json", "/portal", "/metrics", "/v1/events",
];
const SHORT_HOSTS = ["", "a", "ab", "abc", "abcd"];
/** What precedes a route's path in the target: what moved the router when the Host was short. */
const PREFIXES = ["", "/a", "/ab", "/abc", "/", "//"];

describe("one path for auth, rules and routing", () => {
  test("a Host of 0-4 characters answers exactly as a normal Host does, on every route group, with a session and without a token", async () => {
    const normal = `127.0.0.1:${app.port}`;
    const mismatches: string[] = [];
    for (const path of GROUPS) {
      for (const prefix of PREFIXES) {
        const target = prefix + path;
        for (const token of [session, null]) {
          const expected = await send("GET", target, normal, token);
          for (const host of SHORT_HOSTS) {
            const got = await send("GET", target, host, token);
            if (got.status !== expected.status) mismatches.push(`GET ${target} Host ${JSON.stringify(host)} ${token ? "session" : "no token"}: ${got.status}, with a normal Host ${expected.status}`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  test("a tenant session never lists, reads, deletes or opens a session for another tenant, whatever the Host", async () => {
    for (const host of SHORT_HOSTS) {
      for (const prefix of PREFIXES) {
        const list = await send("GET", `${prefix}/api/v1/tenants`, host, session);
        expect(list.status).not.toBe(200);
        expect(list.body).not.toContain("beta");
        const token = await send("POST", `${prefix}/api/v1/tenants/beta/sessions`, host, session, "{}");
        expect(token.status).not.toBe(201);
        expect(token.body).not.toContain("hgs_");
        const removed = await send("DELETE", `${prefix}/api/v1/tenants/beta`, host, session);
        expect(removed.status).not.toBe(200);
        expect((await send("GET", `${prefix}/api/v1/sources`, host, session)).status).not.toBe(200);
      }
    }
    expect((await app.api("GET", "/tenants/beta")).status).toBe(200);
  });

  test("the routes a session may not use answer 403 to it on their real path, whatever the Host", async () => {
    for (const host of [...SHORT_HOSTS, `127.0.0.1:${app.port}`]) {
      for (const path of ["/api/v1/tenants", "/api/v1/tenants/beta", "/api/v1/sources"]) {
        expect((await send("GET", path, host, session)).status).toBe(403);
      }
      expect((await send("GET", "/api/v1/endpoints", host, session)).status).toBe(200);
      expect((await send("GET", "/api/v1/tenants", host, ADMIN_TOKEN)).status).toBe(200);
    }
  });

  test("odd targets: dot segments and absolute-form run the route they name with its rules; * and a fragment answer 400", async () => {
    const host = `127.0.0.1:${app.port}`;
    expect((await send("GET", "/./api/v1/tenants", host, session)).status).toBe(403);
    expect((await send("GET", "/api/v1/x/../tenants", host, session)).status).toBe(403);
    expect((await send("GET", "/api/v1/tenants", "x", session)).status).toBe(403);
    expect((await send("GET", "http://evil.example/api/v1/tenants", "x", session)).status).toBe(403);
    expect((await send("GET", "http://evil.example/api/v1/tenants", "x", ADMIN_TOKEN)).status).toBe(200);
    expect((await send("GET", "//x", host, null)).status).toBe(404);
    expect((await send("OPTIONS", "*", host, null)).status).toBe(400);
    const fragment = await send("GET", "/api/v1/tenants#x", host, ADMIN_TOKEN);
    expect(fragment.status).toBe(400);
    expect(fragment.headers["content-type"]).toContain("application/problem+json");
  });

  test("a Host that cannot be parsed answers 400 problem+json on every route group", async () => {
    for (const host of ["a/b", "a b", "a@b", "a?b", "a#b", "a\\b", "h:99999", "h:", "[::1", "a:b:c"]) {
      for (const path of GROUPS) {
        const answer = await send("GET", path, host, ADMIN_TOKEN);
        if (answer.status !== 400) throw new Error(`GET ${path} with Host ${JSON.stringify(host)}: ${answer.status}, not 400`);
        expect(answer.headers["content-type"]).toContain("application/problem+json");
        expect(JSON.parse(answer.body).detail).toContain("Host");
      }
    }
  });

  test("a big body on a path that the router would have taken for the admin API is never parsed before the token", async () => {
    const body = "[".repeat(15 * 1024 * 1024);
    const started = performance.now();
    for (const [target, host] of [["/ab/api/v1/endpoints", "x"], ["//api/v1/endpoints", "xyz"], ["/api/v1/endpoints", "a"]] as const) {
      // fetch, not a raw socket: the answer comes before the body is sent, and fetch reads it without a broken pipe.
      const answer = await fetch(`http://127.0.0.1:${app.port}${target}`, { method: "POST", headers: { host, "content-type": "application/json" }, body });
      expect([401, 404, 413]).toContain(answer.status);
    }
    // Parsing each such body took 2.4 s with the loop blocked; refusing it unread takes milliseconds.
    expect(performance.now() - started).toBeLessThan(3_000);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });
});
