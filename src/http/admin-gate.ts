import type { Logger } from "../plugin-api/index.ts";
import type { AdminAuth } from "./auth.ts";
import { HttpProblem, problem } from "./problem.ts";
import { pathOf } from "./path.ts";
import { readBody } from "./read-body.ts";

export { pathOf };

export const ADMIN_PREFIX = "/api/v1";
/** Admin bodies are small JSON objects: 64 KiB holds the largest valid one several times over. */
export const ADMIN_MAX_BODY_BYTES = 64 * 1024;

export function isAdminPath(path: string): boolean {
  return path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`);
}

/**
 * In front of the admin app: Elysia reads and parses a body before any hook of a route runs, so a caller
 * without a token could make it parse megabytes. Here the token is checked (scope `read` for GET/HEAD,
 * `write` for the rest, as the routes declare) before a byte of the body is read, and then the body is
 * read, at most 64 KiB (a declared larger length is refused unread; a chunked one is counted as it
 * streams). Answers the refusal, or the request to hand on, its body now in memory.
 */
export async function gateAdmin(request: Request, auth: AdminAuth, log?: Logger): Promise<Request | Response> {
  const readOnly = request.method === "GET" || request.method === "HEAD";
  try {
    await auth.principal(request, readOnly ? "read" : "write");
  } catch (e) {
    if (!(e instanceof HttpProblem)) throw e;
    return problem(e.status, e.detail, undefined, e.headers);
  }
  if (request.body === null) return request;

  let bytes: Uint8Array | null;
  try {
    bytes = await readBody(request, ADMIN_MAX_BODY_BYTES);
  } catch (e) {
    // The client went away (or sent nothing for the idle timeout): routine, and nobody reads the answer.
    if (!request.signal.aborted) throw e;
    log?.debug("admin request body cut off", { path: pathOf(request.url), reason: e instanceof Error ? e.message : String(e) });
    return problem(400, "the body was cut off before its end");
  }
  if (bytes === null) return problem(413, `the body is over 64 KiB (${ADMIN_MAX_BODY_BYTES} bytes), the limit for admin requests`);
  const read = new Request(request.url, { method: request.method, headers: request.headers, body: readOnly ? undefined : bytes });
  auth.carry(request, read);
  return read;
}
