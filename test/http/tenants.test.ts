import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Elysia } from "elysia";
import { hashSessionToken } from "../../src/core/tenants.ts";
import { Session } from "../../src/http/admin/tenant-schemas.ts";
import { createHttp } from "../../src/http/admin-app.ts";
import { createLogger } from "../../src/log.ts";
import { createDatabase, skipPg, type TestDatabase } from "../support/pg.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { deleteTenantWalk, startTenantApp, type TenantApp } from "./tenants-support.ts";

setDefaultTimeout(30_000);

const TOKEN = /^hgs_[A-Za-z0-9_-]{43,}$/;
let t = Date.parse("2026-03-14T16:45:00Z");
let app: TenantApp;
const rx: Record<"acme" | "globex" | "global", Receiver> = { acme: startReceiver(), globex: startReceiver(), global: startReceiver() };

beforeAll(async () => { app = await startTenantApp({}, () => t); });
afterAll(async () => {
  await app.close();
  for (const r of Object.values(rx)) r.stop();
});

describe("/tenants", () => {
  test("PUT creates or replaces name and metadata; GET reads it; 404 for an unknown tenant", async () => {
    expect((await app.api("GET", "/tenants/initech")).status).toBe(404);
    const put = await app.api("PUT", "/tenants/initech", { name: "Initech", metadata: { plan: "pro", seats: 3 } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ id: "initech", name: "Initech", metadata: { plan: "pro", seats: 3 }, endpoints: 0, createdAt: new Date(t).toISOString() });
    expect((await app.api("GET", "/tenants/initech")).body).toEqual(put.body);
    expect((await app.api("PUT", "/tenants/initech", { name: "Initech Ltd" })).body).toMatchObject({ name: "Initech Ltd", metadata: null });
    expect((await app.api("PUT", "/tenants/org:42.eu_west-1")).body).toMatchObject({ id: "org:42.eu_west-1", name: null });
  });

  test("a bad tenant id or body is 422 with its path", async () => {
    const cases: [string, string, unknown, string][] = [
      ["GET", "/tenants/-acme", undefined, "params.id"],
      ["PUT", `/tenants/${"a".repeat(129)}`, {}, "params.id"],
      ["DELETE", "/tenants/a%20b", undefined, "params.id"],
      ["POST", "/tenants/_x/sessions", {}, "params.id"],
      ["PUT", "/tenants/acme", { metadata: [1, 2] }, "metadata"],
      ["PUT", "/tenants/acme", { metadata: { big: "x".repeat(9000) } }, "metadata"],
      ["PUT", "/tenants/acme", { owner: "me" }, "owner"],
      ["POST", "/tenants/acme/sessions", { expiresIn: 59 }, "expiresIn"],
      ["POST", "/tenants/acme/sessions", { expiresIn: 604_801 }, "expiresIn"],
      ["POST", "/tenants/acme/sessions", { scopes: [] }, "scopes"],
      ["POST", "/tenants/acme/sessions", { scopes: ["admin"] }, "scopes.0"],
      ["POST", "/tenants/acme/sessions", { locale: "fr" }, "locale"],
    ];
    for (const [method, path, body, where] of cases) {
      const result = await app.api(method, path, body);
      expect({ method, path, status: result.status }).toEqual({ method, path, status: 422 });
      expect(result.body.errors.map((e: { path: string }) => e.path)).toContain(where);
    }
  });

  test("GET /tenants pages by id with endpoint counts; the cursor is opaque", async () => {
    for (const id of ["pg-c", "pg-a", "pg-b", "pg-d"]) await app.api("PUT", `/tenants/${id}`, { name: id });
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const result: any = await app.api("GET", `/tenants?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(result.status).toBe(200);
      for (const tenant of result.body.data) expect(Object.keys(tenant).sort()).toEqual(["createdAt", "endpoints", "id", "metadata", "name"]);
      ids.push(...result.body.data.map((x: { id: string }) => x.id));
      cursor = result.body.nextCursor;
    } while (cursor);
    expect(ids.filter((id) => id.startsWith("pg-"))).toEqual(["pg-a", "pg-b", "pg-c", "pg-d"]);
    expect(ids).toEqual([...ids].sort());
    expect((await app.api("GET", "/tenants?cursor=nope")).status).toBe(422);
    const found = await app.api("GET", "/tenants?search=PG-B");
    expect(found.body.data.map((x: { id: string }) => x.id)).toEqual(["pg-b"]);
    expect((await app.api("GET", `/tenants?search=${"x".repeat(101)}`)).status).toBe(422);
  });

  test("DELETE /tenants/{id} removes the tenant's endpoints, events, deliveries and attempts; others untouched (SQLite)", async () => {
    await deleteTenantWalk(app, rx);
  });

  test("the OpenAPI document lists every tenants operation, tagged, with request examples that succeed as sent", async () => {
    const doc = await (await fetch(`${app.url}/docs/json`)).json() as any;
    const ops = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
      Object.entries(item).filter(([, op]) => op.tags?.includes("tenants")).map(([method, op]) => ({ method, path, op })));
    expect(ops.map((o) => `${o.method.toUpperCase()} ${o.path} ${o.op.operationId}`).sort()).toEqual([
      "DELETE /api/v1/tenants/{id} deleteTenant", "DELETE /api/v1/tenants/{id}/sessions revokeTenantSessions", "GET /api/v1/tenants listTenants",
      "GET /api/v1/tenants/{id} getTenant", "POST /api/v1/tenants/{id}/sessions createTenantSession", "PUT /api/v1/tenants/{id} putTenant",
    ]);
    expect(doc.tags.map((tag: { name: string }) => tag.name)).toContain("tenants");
    for (const { method, path, op } of ops) {
      expect({ path, summary: typeof op.summary }).toEqual({ path, summary: "string" });
      const examples = op.requestBody?.content["application/json"].schema.examples;
      if (method !== "put" && method !== "post") continue;
      expect({ path, examples: Array.isArray(examples) }).toEqual({ path, examples: true });
      const id = op.parameters.find((p: any) => p.name === "id").schema.examples?.[0] ?? "acme";
      const result = await app.api(method.toUpperCase(), path.replace("/api/v1", "").replace("{id}", `example-${id}`), examples[0]);
      expect({ path, status: result.status }).toEqual({ path, status: method === "post" ? 201 : 200 });
    }
  });
});

describe("tenant sessions", () => {
  test("201 { token, url, expiresAt }: a random hgs_ token, the portal url on the request's origin, expiry by the app's clock", async () => {
    const created = await app.api("POST", "/tenants/acme-s/sessions", { expiresIn: 120 });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(["expiresAt", "token", "url"]);
    expect(created.body.token).toMatch(TOKEN);
    expect(created.body.url).toBe(`${app.url}/portal#token=${created.body.token}`);
    expect(created.body.expiresAt).toBe(new Date(t + 120_000).toISOString());
    const again = await app.api("POST", "/tenants/acme-s/sessions");
    expect(again.body.token).not.toBe(created.body.token);
    expect(again.body.expiresAt).toBe(new Date(t + 3_600_000).toISOString());
    // A session's language rides in the fragment beside the token.
    const german = await app.api("POST", "/tenants/acme-s/sessions", { locale: "de" });
    expect(german.body.url).toBe(`${app.url}/portal#token=${german.body.token}&locale=de`);
    expect((await app.api("GET", "/tenants/acme-s")).status).toBe(200); // noted by the session
  });

  test("a session works on /endpoints, gets 403 on /sources and /tenants*, and a read session cannot write", async () => {
    const { token } = (await app.api("POST", "/tenants/acme-s/sessions")).body;
    expect((await app.api("GET", "/endpoints", undefined, token)).status).toBe(200);
    for (const path of ["/sources", "/tenants", "/tenants/acme-s"]) {
      const result = await app.api("GET", path, undefined, token);
      expect({ path, status: result.status }).toEqual({ path, status: 403 });
    }
    expect((await app.api("POST", "/tenants/acme-s/sessions", {}, token)).status).toBe(403);
    const reader = (await app.api("POST", "/tenants/acme-s/sessions", { scopes: ["read"] })).body.token;
    expect((await app.api("GET", "/endpoints", undefined, reader)).status).toBe(200);
    const write = await app.api("POST", "/endpoints", { url: "http://127.0.0.1:9/x", events: ["*"], verify: false }, reader);
    expect(write.status).toBe(403);
    expect(write.body.detail).toContain('lacks the "write" scope');
  });

  test("expiry on the app's clock: works until expiresAt, then 401 saying when it expired", async () => {
    const { token, expiresAt } = (await app.api("POST", "/tenants/acme-x/sessions", { expiresIn: 60 })).body;
    t += 59_999;
    expect((await app.api("GET", "/endpoints", undefined, token)).status).toBe(200);
    t += 1;
    const expired = await app.api("GET", "/endpoints", undefined, token);
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toBe(`this session expired at ${expiresAt}: ask the provider of this link for a new session url`);
    expect(expired.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  test("DELETE /tenants/{id}/sessions revokes them all: 200 { revoked: N }, then 401; 404 for an unknown tenant", async () => {
    const tokens = [];
    for (let i = 0; i < 3; i++) tokens.push((await app.api("POST", "/tenants/acme-r/sessions")).body.token);
    const other = (await app.api("POST", "/tenants/acme-o/sessions")).body.token;
    const revoked = await app.api("DELETE", "/tenants/acme-r/sessions");
    expect(revoked).toMatchObject({ status: 200, body: { revoked: 3 } });
    for (const token of tokens) {
      const result = await app.api("GET", "/endpoints", undefined, token);
      expect(result.status).toBe(401);
      expect(result.body.detail).toContain("this session was revoked");
    }
    expect((await app.api("GET", "/endpoints", undefined, other)).status).toBe(200);
    expect((await app.api("DELETE", "/tenants/acme-r/sessions")).body).toEqual({ revoked: 0 });
    expect((await app.api("DELETE", "/tenants/nobody/sessions")).status).toBe(404);
    expect((await app.api("GET", "/endpoints", undefined, "hgs_not-a-real-session-token-at-all-0123456789")).status).toBe(401);
  });

  test("the token is kept only as its hash: not in the SQLite file or its WAL", async () => {
    const { token } = (await app.api("POST", "/tenants/acme-h/sessions")).body;
    const files = ["hookgate.db", "hookgate.db-wal"].map((f) => join(app.dir, f)).filter(existsSync);
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    expect(bytes.includes(hashSessionToken(token))).toBe(true); // the right files were read
    expect(bytes.includes(token)).toBe(false);
    expect(bytes.includes(token.slice(4))).toBe(false);
  });

  test("no log line holds a session token", async () => {
    const { token } = (await app.api("POST", "/tenants/acme-l/sessions")).body;
    await app.api("GET", "/endpoints", undefined, token);
    await app.api("POST", "/endpoints", "{bad", token);
    expect(app.logs.join("\n")).not.toContain("hgs_");
  });

  test("an answer failing its own schema (a hookgate bug) is logged by its field paths, never its values", async () => {
    const lines: string[] = [];
    const route = new Elysia().get("/api/v1/broken", () => ({ token: "hgs_leak-me-not-0123456789", url: 5 }) as never, { response: { 200: Session } });
    const http = createHttp({ plugins: [route], log: createLogger({}, (line) => { lines.push(line); }) });
    expect((await http.handle(new Request("http://localhost/api/v1/broken"))).status).toBe(500);
    expect(lines.join("")).toContain("the answer is invalid at url");
    expect(lines.join("")).not.toContain("hgs_");
  });

  test("server.publicUrl, when set, is where the url points", async () => {
    const other = await startTenantApp({ server: { host: "127.0.0.1", port: 0, publicUrl: "https://hooks.example.com/" } });
    try {
      const { token, url } = (await other.api("POST", "/tenants/acme/sessions")).body;
      expect(url).toBe(`https://hooks.example.com/portal#token=${token}`);
    } finally { await other.close(); }
  });
});

describe.skipIf(skipPg)("tenants on Postgres", () => {
  let db: TestDatabase;
  let apps: TenantApp[] = [];
  const pgRx: typeof rx = { acme: startReceiver(), globex: startReceiver(), global: startReceiver() };
  beforeAll(async () => {
    db = await createDatabase();
    apps = [await startTenantApp({ store: { postgres: db.url } }), await startTenantApp({ store: { postgres: db.url } })];
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    for (const r of Object.values(pgRx)) r.stop();
    await db.drop();
  });

  test("a session created on one process works on another sharing the database, and a revocation on either ends it", async () => {
    const [one, two] = apps as [TenantApp, TenantApp];
    const { token } = (await one.api("POST", "/tenants/acme/sessions")).body;
    expect((await two.api("GET", "/endpoints", undefined, token)).status).toBe(200);
    expect((await two.api("DELETE", "/tenants/acme/sessions")).body).toEqual({ revoked: 1 });
    expect((await one.api("GET", "/endpoints", undefined, token)).status).toBe(401);
  });

  test("the token is kept only as its hash in tenant_sessions", async () => {
    const { token } = (await apps[0]!.api("POST", "/tenants/acme/sessions")).body;
    const { rows } = await db.client.query("SELECT s::text AS row FROM tenant_sessions s");
    const text = rows.map((r) => r.row as string).join("\n");
    expect(text).toContain(hashSessionToken(token));
    expect(text).not.toContain(token.slice(4));
  });

  test("DELETE /tenants/{id} removes the tenant's endpoints, events, deliveries and attempts; others untouched (Postgres)", async () => {
    await deleteTenantWalk(apps[0]!, pgRx);
    // The other process's registry forgets the endpoint at its next refresh; the store already has nothing of acme.
    expect((await apps[1]!.api("GET", "/tenants/acme")).status).toBe(404);
  });
});
