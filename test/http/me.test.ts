import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, READ_TOKEN, expectProblem, sessionOf, startAdminApp, type AdminApp } from "./support.ts";

/** `GET /api/v1/me`: who the bearer token is, so the portal offers a read-only token no write it would be refused. */
describe("GET /me", () => {
  let app: AdminApp;
  beforeAll(async () => { app = await startAdminApp(); });
  afterAll(async () => { await app.stop(); });

  test("an admin token: its name and scopes, no tenant, no end", async () => {
    expect((await app.api("GET", "/me", undefined, ADMIN_TOKEN)).body).toEqual({ kind: "admin", name: "ops", tenant: null, scopes: ["read", "write"], expiresAt: null });
    expect((await app.api("GET", "/me", undefined, READ_TOKEN)).body).toEqual({ kind: "admin", name: "viewer", tenant: null, scopes: ["read"], expiresAt: null });
  });

  test("a tenant session: its tenant, its scopes and when it ends", async () => {
    const before = Date.now();
    const token = await sessionOf(app, "acme", ["read"]);
    const me = await app.api("GET", "/me", undefined, token);
    expect(me.status).toBe(200);
    expect({ ...me.body, expiresAt: undefined }).toEqual({ kind: "session", name: null, tenant: "acme", scopes: ["read"], expiresAt: undefined });
    const ends = Date.parse(me.body.expiresAt);
    expect(ends).toBeGreaterThanOrEqual(before + 3_600_000 - 1_000);
    expect(ends).toBeLessThanOrEqual(Date.now() + 3_600_000 + 1_000);
  });

  test("no token, a wrong one, a revoked session: 401 problem+json", async () => {
    expectProblem(await app.api("GET", "/me", undefined, null), 401);
    expectProblem(await app.api("GET", "/me", undefined, "not-a-token-at-all-0123456789"), 401);
    expect((await app.api("PUT", "/tenants/acme", { name: "Acme" })).status).toBeLessThan(300);
    const token = await sessionOf(app, "acme");
    expect((await app.api("DELETE", "/tenants/acme/sessions")).status).toBeLessThan(300);
    expectProblem(await app.api("GET", "/me", undefined, token), 401, /revoked/);
  });
});

describe("POST /sessions/revoke (the portal's Sign out)", () => {
  let app: AdminApp;
  beforeAll(async () => { app = await startAdminApp(); });
  afterAll(async () => { await app.stop(); });

  test("revokes the calling session at once, and no other", async () => {
    const [token, other] = [await sessionOf(app, "acme"), await sessionOf(app, "acme", ["read"])];
    expect((await app.api("POST", "/sessions/revoke", undefined, other)).status).toBe(204);
    expectProblem(await app.api("GET", "/endpoints", undefined, other), 401, /revoked/);
    expect((await app.api("GET", "/endpoints", undefined, token)).status).toBe(200);
    expectProblem(await app.api("POST", "/sessions/revoke", {}, other), 401);
  });

  test("an admin token is left as it is", async () => {
    expect((await app.api("POST", "/sessions/revoke", {}, READ_TOKEN)).status).toBe(204);
    expect((await app.api("GET", "/me", undefined, READ_TOKEN)).status).toBe(200);
  });
});
