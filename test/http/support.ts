import { expect } from "bun:test";
import { randomBytes } from "node:crypto";
import { hashSessionToken } from "../../src/http/auth.ts";
import type { ConfigInput } from "../../src/config/schema.ts";
import type { Resolver } from "../../src/outbound/send.ts";
import { ADMIN_TOKEN, baseConfig, startTestApp, type TestApp } from "../support/app.ts";

export { ADMIN_TOKEN };
export const READ_TOKEN = "test-read-only-token-0123456789";
export const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

export interface AdminApp extends TestApp {
  /** Calls /api/v1 with the full-scope admin token unless `token` is given (null: no Authorization header). */
  api<T = any>(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: T; headers: Headers }>;
}

/** The config of startAdminApp: a read+write and a read-only admin token, fast retries. */
export function adminConfig(overrides: Partial<ConfigInput> = {}): ConfigInput {
  return baseConfig({
    admin: { tokens: [
      { name: "ops", token: ADMIN_TOKEN, scopes: ["read", "write"] },
      { name: "viewer", token: READ_TOKEN, scopes: ["read"] },
    ] },
    ...overrides,
    delivery: { schedule: ["100ms", "100ms"], jitter: 0, ...overrides.delivery } as never,
  });
}

/** A gateway with a read+write and a read-only admin token, fast retries, and real SQLite (in `dir` when given, kept). */
export async function startAdminApp(overrides: Partial<ConfigInput> = {}, options: { resolve?: Resolver; now?: () => number; dir?: string; logs?: string[] } = {}): Promise<AdminApp> {
  const app = await startTestApp(adminConfig(overrides), options);
  return Object.assign(app, { api: adminClient(app.url) });
}

/** Calls /api/v1 of the gateway at `url` with a bearer token (the ops admin token unless told; null: none). */
export function adminClient(url: string) {
  return async (method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN) => {
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${url}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
  };
}

/** Asserts a problem+json answer with this status; returns its body. */
export function expectProblem(result: { status: number; body: any; headers: Headers }, status: number, detail?: RegExp) {
  expect(result.status).toBe(status);
  expect(result.headers.get("content-type")).toStartWith("application/problem+json");
  expect(result.body.status).toBe(status);
  for (const key of ["type", "title", "detail"]) expect(typeof result.body[key]).toBe("string");
  if (detail) expect(result.body.detail).toMatch(detail);
  return result.body;
}

/** A tenant session token, inserted as the sessions route would (only its hash is stored). */
export async function sessionOf(app: AdminApp, tenant: string, scopes: ("read" | "write")[] = ["read", "write"]): Promise<string> {
  const token = `hgs_${randomBytes(32).toString("base64url")}`;
  await app.store.tenants.createSession({ hash: hashSessionToken(token), tenant, scopes, expiresAt: Date.now() + 3_600_000 }, Date.now());
  return token;
}
