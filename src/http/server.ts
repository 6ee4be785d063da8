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
}

/** The gateway's HTTP face: sources' routes, /healthz, and whatever admin groups are mounted. */
export function createHttp(options: HttpOptions) {
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
    .get("/healthz", () => ({ status: "ok" }));

  for (const route of options.routes) {
    app.route(route.method, route.path, ({ request, server }) => {
      if (options.isDraining()) return problem(503, "hookgate is shutting down; retry shortly", undefined, { "retry-after": "5" });
      const ip = server?.requestIP(request)?.address ?? null;
      return route.handle(request, { ip });
    }, { parse: "none" });
  }
  for (const plugin of options.plugins ?? []) app.use(plugin);
  return app;
}
