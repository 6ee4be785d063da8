import { Elysia } from "elysia";
import type { Logger, SourceRoute } from "../plugin-api/index.ts";
import { HttpProblem, validationProblem } from "./errors.ts";
import { problem, problemBody } from "./problem.ts";

export interface HttpOptions {
  routes: SourceRoute[];
  isDraining(): boolean;
  /** More route groups (the admin API) mounted beside the sources. */
  plugins?: Elysia<any, any, any, any, any, any, any>[];
  /** Where unexpected (5xx) errors are logged. */
  log?: Logger;
  /** More of /healthz's body (the store's last write failure); cheap, no I/O per call. */
  health?: () => Record<string, unknown>;
}

/** The gateway's HTTP face beside the sources' routes: /healthz, and whatever admin groups are mounted. */
export function createHttp(options: Omit<HttpOptions, "routes" | "isDraining">) {
  const app = new Elysia({ name: "hookgate" })
    .onError(({ code, error, set }) => {
      set.headers["content-type"] = "application/problem+json";
      if (error instanceof HttpProblem) {
        set.status = error.status;
        Object.assign(set.headers, error.headers);
        return error.body();
      }
      if (code === "VALIDATION") {
        const { status, body } = validationProblem(error);
        if (status >= 500) options.log?.error("admin answer failed its schema", { error: String(error) });
        set.status = status;
        return body;
      }
      const status = code === "NOT_FOUND" ? 404 : code === "PARSE" ? 400 : typeof (error as { status?: unknown }).status === "number" ? (error as { status: number }).status : 500;
      const detail = code === "NOT_FOUND" ? "no such route" : code === "PARSE" ? "the body is not valid JSON" : status >= 500 ? "internal error" : (error as Error).message;
      if (status >= 500) options.log?.error("request failed", { error: error instanceof Error ? error.stack ?? error.message : String(error) });
      set.status = status;
      return problemBody(status, detail);
    })
    .get("/healthz", () => ({ status: "ok", ...options.health?.() }));

  for (const plugin of options.plugins ?? []) app.use(plugin);
  return app;
}

type BunRoutes = Record<string, Partial<Record<SourceRoute["method"], (request: Request, server: Bun.Server<unknown>) => Response | Promise<Response>>>>;

/**
 * The sources' routes (ingest is the hot path) go straight onto Bun.serve's router, not through the admin
 * app's handler: per request that is several times cheaper. Every other path falls through to the admin app.
 */
export function sourceRoutes(options: Pick<HttpOptions, "routes" | "isDraining" | "log">): BunRoutes {
  const routes: BunRoutes = {};
  for (const route of options.routes) {
    (routes[route.path] ??= {})[route.method] = async (request, server) => {
      if (options.isDraining()) return problem(503, "hookgate is shutting down; retry shortly", undefined, { "retry-after": "5" });
      try {
        return await route.handle(request, { ip: server.requestIP(request)?.address ?? null });
      } catch (e) {
        options.log?.error("request failed", { path: route.path, error: e instanceof Error ? e.stack ?? e.message : String(e) });
        return problem(500, "internal error");
      }
    };
  }
  return routes;
}
