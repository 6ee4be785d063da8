import { Elysia } from "elysia";
import { bearerToken, findToken } from "../core/tokens.ts";
import { HttpProblem } from "./problem.ts";

export type Scope = "read" | "write";
export interface AdminToken { name: string; token: string; scopes: Scope[] }

const CHALLENGE = { "www-authenticate": 'Bearer realm="hookgate admin"' };
export const NO_ADMIN_TOKEN = 'no admin token is configured: add admin: { tokens: [{ name: "ops", token: env("HOOKGATE_ADMIN_TOKEN"), scopes: ["read", "write"] }] } to the config and restart';

/** Why a request may not use an admin route with this scope, or null when it may. Tokens compare in constant time. */
export function authorize(tokens: readonly AdminToken[], header: string | null, scope: Scope): HttpProblem | null {
  if (tokens.length === 0) return new HttpProblem(403, NO_ADMIN_TOKEN);
  const presented = bearerToken(header);
  if (!presented) return new HttpProblem(401, "send Authorization: Bearer <admin token>", undefined, CHALLENGE);
  const token = findToken(tokens, presented);
  if (!token) return new HttpProblem(401, "the bearer token is not a valid admin token", undefined, { "www-authenticate": `${CHALLENGE["www-authenticate"]}, error="invalid_token"` });
  if (!token.scopes.includes(scope)) {
    return new HttpProblem(403, `admin token "${token.name}" lacks the "${scope}" scope (add it to its scopes in admin.tokens)`);
  }
  return null;
}

/**
 * The admin auth macro: a route opts in with `admin: "read"` (GET) or `admin: "write"` (the rest).
 * It runs in `transform`, before validation, so a caller without a token learns nothing about the body rules.
 * In the server, gateAdmin (admin-gate.ts) has already checked the same before the body was read; the
 * macro keeps every route closed wherever the admin app is mounted.
 */
export function adminAuth(tokens: readonly AdminToken[]) {
  return new Elysia({ name: "hookgate/admin-auth" }).macro({
    admin: (scope: Scope) => ({
      transform({ request }) {
        const denied = authorize(tokens, request.headers.get("authorization"), scope);
        if (denied) throw denied;
      },
    }),
  });
}
