import type { Logger } from "../plugin-api/index.ts";
import type { AdminAuth } from "./auth.ts";
import { HttpProblem, problem } from "./problem.ts";
import { ROUTING_ORIGIN, type Target } from "./path.ts";
import { readBody } from "./read-body.ts";

export const ADMIN_PREFIX = "/api/v1";
/** Bodies past the sources' routes are small JSON objects: 64 KiB holds the largest valid one several times over. */
export const ADMIN_MAX_BODY_BYTES = 64 * 1024;

/** Changes a read-only token may make: signing itself out (POST /sessions/revoke) changes nothing of the tenant's. */
const READ_SCOPE_WRITES = new Set([`${ADMIN_PREFIX}/sessions/revoke`]);

export function isAdminPath(path: string): boolean {
  return path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`);
}

/**
 * In front of the admin app, for every request the sources' routes do not take. Elysia reads and parses a body
 * before any hook of a route runs, so a caller without a token could make it parse megabytes: on an /api/v1 path
 * the token is checked (scope `read` for GET/HEAD, `write` for the rest) before a byte of the body is read, and on
 * any path the body is read to at most 64 KiB (a declared larger length is refused unread; a chunked one is
 * counted as it streams). Answers the refusal, or the request to hand on: at ROUTING_ORIGIN with the parsed
 * target, so the router reads the very path decided on here, its body now in memory.
 */
export async function gateAdmin(request: Request, target: Target, auth: AdminAuth, log?: Logger): Promise<Request | Response> {
  const readOnly = request.method === "GET" || request.method === "HEAD";
  if (isAdminPath(target.path)) {
    try {
      await auth.principal(request, readOnly || READ_SCOPE_WRITES.has(target.path) ? "read" : "write");
    } catch (e) {
      if (!(e instanceof HttpProblem)) throw e;
      return problem(e.status, e.detail, undefined, e.headers);
    }
  }
  const url = ROUTING_ORIGIN + target.path + target.search;
  let bytes: Uint8Array | null = null;
  if (request.body !== null) {
    try {
      bytes = await readBody(request, ADMIN_MAX_BODY_BYTES);
    } catch (e) {
      // The client went away (or sent nothing for the idle timeout): routine, and nobody reads the answer.
      if (!request.signal.aborted) throw e;
      log?.debug("admin request body cut off", { path: target.path, reason: e instanceof Error ? e.message : String(e) });
      return problem(400, "the body was cut off before its end");
    }
    if (bytes === null) return problem(413, `the body is over 64 KiB (${ADMIN_MAX_BODY_BYTES} bytes), the limit for admin requests`);
  }
  const read = new Request(url, { method: request.method, headers: request.headers, body: readOnly || bytes === null ? undefined : bytes });
  auth.carry(request, read);
  return read;
}
