import { TenantScope } from "../core/scope.ts";
import { hashSessionToken, SESSION_PREFIX } from "../core/tenants.ts";
import { bearerToken, findToken } from "../core/tokens.ts";
import type { TenantSessionRow } from "../store/schema.ts";
import { HttpProblem } from "./problem.ts";
import type { SessionRate } from "./session-rate.ts";

export type Scope = "read" | "write";
export interface AdminToken { name: string; token: string; scopes: Scope[] }

/** Who sent an admin request: an admin token sees every tenant; a tenant session sees its tenant alone. */
export type Principal =
  | { kind: "admin"; name: string; scopes: Scope[] }
  | { kind: "session"; tenant: string; scopes: Scope[]; expiresAt: number; hash: string };

/** The one place a request's tenant scope is built: from its token. */
export const scopeOf = (principal: Principal): TenantScope =>
  principal.kind === "session" ? TenantScope.ofSession(principal.tenant, principal.hash) : TenantScope.everyTenant();

/** Where sessions are kept (the store's tenant_sessions, looked up by the token's hash). */
export interface SessionLookup { session(hash: string): Promise<TenantSessionRow | undefined> }

export { hashSessionToken, SESSION_PREFIX };

const CHALLENGE = { "www-authenticate": 'Bearer realm="hookgate admin"' };
const INVALID = { "www-authenticate": `${CHALLENGE["www-authenticate"]}, error="invalid_token"` };
export const NO_ADMIN_TOKEN = 'no admin token is configured: add admin: { tokens: [{ name: "ops", token: env("HOOKGATE_ADMIN_TOKEN"), scopes: ["read", "write"] }] } to the config and restart';

/** Why a request may not use an admin route with this scope, or null when it may. Tokens compare in constant time. */
export function authorize(tokens: readonly AdminToken[], header: string | null, scope: Scope): HttpProblem | null {
  const found = adminToken(tokens, header, scope);
  return found instanceof HttpProblem ? found : null;
}

function adminToken(tokens: readonly AdminToken[], header: string | null, scope: Scope): AdminToken | HttpProblem {
  if (tokens.length === 0) return new HttpProblem(403, NO_ADMIN_TOKEN);
  const presented = bearerToken(header);
  if (!presented) return new HttpProblem(401, "send Authorization: Bearer <admin token>", undefined, CHALLENGE);
  const token = findToken(tokens, presented);
  if (!token) return new HttpProblem(401, "the bearer token is not a valid admin token", undefined, INVALID);
  if (!token.scopes.includes(scope)) {
    return new HttpProblem(403, `admin token "${token.name}" lacks the "${scope}" scope (add it to its scopes in admin.tokens)`);
  }
  return token;
}

/**
 * Admin authentication: admin tokens from the config, and tenant sessions from the store (which every process
 * sharing it sees, revocations included). The answer is remembered per request, so the gate, the body-depth
 * check and the route's macro look a session up once.
 */
export class AdminAuth {
  private readonly principals = new WeakMap<Request, Principal>();

  constructor(
    /** `admin.tokens`; /metrics reads them here too. */
    private admin: readonly AdminToken[],
    private readonly sessions: SessionLookup | null = null,
    /** The clock session expiry is read against (tests advance it). */
    readonly now: () => number = Date.now,
    /** tenants.requestsPerSecond, per session; none: no limit. */
    private readonly rate: SessionRate | null = null,
  ) {}

  get tokens(): readonly AdminToken[] { return this.admin; }

  /** A reloaded config's `admin.tokens` and `tenants.requestsPerSecond`, for the next requests. */
  reload(tokens: readonly AdminToken[], requestsPerSecond: number): void {
    this.admin = tokens;
    this.rate?.reload(requestsPerSecond);
  }

  /** The caller, or throws the refusal (401 no or bad token, 403 a missing scope, 429 a session past its rate). */
  async principal(request: Request, scope: Scope): Promise<Principal> {
    const known = this.principals.get(request);
    if (known) return this.check(known, scope);
    const header = request.headers.get("authorization");
    const presented = bearerToken(header);
    let principal: Principal;
    if (presented?.startsWith(SESSION_PREFIX) && this.sessions) {
      principal = await this.session(presented);
      // Charged once per request (the gate and the route's macro share this principal), before any work.
      const wait = this.rate?.take(principal.hash) ?? null;
      if (wait !== null) {
        throw new HttpProblem(429, `this session is past tenants.requestsPerSecond: retry in ${wait} s`, undefined, { "retry-after": String(wait) });
      }
    } else {
      const token = adminToken(this.tokens, header, scope);
      if (token instanceof HttpProblem) throw token;
      principal = { kind: "admin", name: token.name, scopes: token.scopes };
    }
    this.principals.set(request, principal);
    return this.check(principal, scope);
  }

  /** Hands a known caller on to the request that replaces this one (the gate rebuilds it with its body read). */
  carry(from: Request, to: Request): void {
    const principal = this.principals.get(from);
    if (principal) this.principals.set(to, principal);
  }

  private async session(token: string): Promise<Extract<Principal, { kind: "session" }>> {
    const hash = hashSessionToken(token);
    const row = await this.sessions!.session(hash);
    const renew = "ask the provider of this link for a new session url";
    if (!row) throw new HttpProblem(401, `the session token is not valid: ${renew}`, undefined, INVALID);
    if (row.revoked_at !== null) throw new HttpProblem(401, `this session was revoked: ${renew}`, undefined, INVALID);
    if (row.expires_at <= this.now()) {
      throw new HttpProblem(401, `this session expired at ${new Date(row.expires_at).toISOString()}: ${renew}`, undefined, INVALID);
    }
    return { kind: "session", tenant: row.tenant, scopes: JSON.parse(row.scopes) as Scope[], expiresAt: row.expires_at, hash };
  }

  private check(principal: Principal, scope: Scope): Principal {
    if (principal.kind === "session") {
      if (!principal.scopes.includes(scope)) throw new HttpProblem(403, `this session lacks the "${scope}" scope (create one with scopes: ["read", "write"])`);
    } else if (!principal.scopes.includes(scope)) {
      throw new HttpProblem(403, `admin token "${principal.name}" lacks the "${scope}" scope (add it to its scopes in admin.tokens)`);
    }
    return principal;
  }
}

export const SESSIONS_REFUSED = "a tenant session cannot use /sources or /tenants: they need an admin token";
