import type { Elysia } from "elysia";
import type { Logger, SourceRoute } from "../plugin-api/index.ts";
import { gateAdmin } from "./admin-gate.ts";
import type { AdminAuth } from "./auth.ts";
import { parseTarget } from "./path.ts";
import { problem } from "./problem.ts";

export interface HttpOptions {
  /** `source`: whose route it is (requests are counted by source). */
  routes: (SourceRoute & { source?: string })[];
  isDraining(): boolean;
  /** More route groups (the admin API) mounted beside the sources. */
  plugins?: Elysia<any, any, any, any, any, any, any>[];
  /** Where unexpected (5xx) errors are logged. */
  log?: Logger;
  /** More of /healthz's body (the store's last write failure); cheap, no I/O per call. */
  health?: () => Record<string, unknown>;
  /** /readyz: null when ready (migrations ran, store writable, not draining), else why not. No I/O per call. */
  notReady?: () => string | null;
}

export type Health = Pick<HttpOptions, "health" | "notReady">;
/** /healthz's body and /readyz's refusal, shared with the admin app's routes for them (admin-app.ts). */
export const healthBody = (options: Health) => ({ status: "ok", ...options.health?.() });
export const notReady = (reason: string) => problem(503, `not ready: ${reason}`, undefined, { "retry-after": "1" });

/**
 * GET /healthz and /readyz as the Elysia app answers them (the same bodies and headers), made without it: a start
 * need not build the admin app before its health checks answer (P5). Null for any other request.
 */
export function healthAnswer(options: Health, method: string, path: string): Response | null {
  if (method !== "GET") return null;
  if (path === "/healthz") return Response.json(healthBody(options));
  if (path !== "/readyz") return null;
  const reason = options.notReady?.() ?? null;
  return reason === null ? Response.json({ status: "ready" }) : notReady(reason);
}

/** On every answer: no content sniffing (an error echoing input stays JSON), and no URL leaves in a Referer. */
export function secured(response: Response): Response {
  response.headers.set("x-content-type-options", "nosniff");
  response.headers.set("referrer-policy", "no-referrer");
  return response;
}

/** What answers the admin paths (the Elysia app, admin-app.ts). */
export interface AdminApp { handle(request: Request): Promise<Response> }

/**
 * Bun.serve's `fetch`, for every path the sources' routes do not take: the target and Host parsed once (400 when
 * they cannot be), then the health checks (`health`: answered here, see healthAnswer), then the gate (the token on
 * /api/v1, then a body of at most 64 KiB), then the Elysia app, which routes by that same parsed path (path.ts).
 * `http` is asked for the app at each request that needs it, so the caller may build (and import) it on the first.
 */
export function createFetch(http: () => AdminApp | Promise<AdminApp>, auth: AdminAuth, log?: Logger, health?: Health) {
  return async (request: Request): Promise<Response> => {
    const target = parseTarget(request.url, request.headers.get("host"));
    if (typeof target === "string") return secured(problem(400, target));
    const direct = health ? healthAnswer(health, request.method, target.path) : null;
    if (direct) return secured(direct);
    const gated = await gateAdmin(request, target, auth, log);
    return secured(gated instanceof Response ? gated : await (await http()).handle(gated));
  };
}

/** Why a request failed, for the log: a DOMException's stack is empty, so fall back to its name and message. */
export function reasonOf(e: unknown): string {
  return e instanceof Error ? e.stack || `${e.name}: ${e.message}` : String(e);
}

type BunRoutes = Record<string, Partial<Record<SourceRoute["method"], (request: Request, server: Bun.Server<unknown>) => Response | Promise<Response>>>>;

/**
 * The sources' routes (ingest is the hot path) go straight onto Bun.serve's router, not through the admin
 * app's handler: per request that is several times cheaper. Every other path falls through to the admin app.
 */
export function sourceRoutes(options: Pick<HttpOptions, "routes" | "isDraining" | "log"> & {
  /** Per source, a counter of its requests by status (metrics), bound once per route. */
  countRequests?: (source: string) => (status: number) => void;
}): BunRoutes {
  const routes: BunRoutes = {};
  for (const route of options.routes) {
    const count = options.countRequests && route.source !== undefined ? options.countRequests(route.source) : null;
    const answer = (response: Response) => { count?.(response.status); return secured(response); };
    (routes[route.path] ??= {})[route.method] = async (request, server) => {
      if (options.isDraining()) return answer(problem(503, "hookgate is shutting down; retry shortly", undefined, { "retry-after": "5" }));
      try {
        // The peer's address only when a route reads it: requestIP costs about 4 µs a request (P1), the http source never asks.
        return answer(await route.handle(request, { get ip() { return server.requestIP(request)?.address ?? null; } }));
      } catch (e) {
        // The client closed the connection, or sent nothing for the idle timeout, mid-upload: routine, not an error.
        if (request.signal.aborted) {
          options.log?.debug("request cut off before its body arrived", { path: route.path, reason: reasonOf(e) });
          return answer(problem(400, "the body was cut off before its end"));
        }
        options.log?.error("request failed", { path: route.path, error: reasonOf(e) });
        return answer(problem(500, "internal error"));
      }
    };
  }
  return routes;
}
