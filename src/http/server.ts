import { Elysia } from "elysia";
import type { SourceRoute } from "../plugin-api/index.ts";
import { problem, problemBody } from "./problem.ts";

export interface HttpOptions {
  routes: SourceRoute[];
  isDraining(): boolean;
  /** More route groups (the admin API) mounted beside the sources. */
  plugins?: Elysia<any, any, any, any, any, any, any>[];
}

/** The gateway's HTTP face: sources' routes, /healthz, and whatever admin groups are mounted. */
export function createHttp(options: HttpOptions) {
  const app = new Elysia({ name: "hookgate" })
    .onError(({ code, error, set }) => {
      const status = code === "NOT_FOUND" ? 404 : code === "PARSE" ? 400 : code === "VALIDATION" ? 422 : typeof (error as { status?: unknown }).status === "number" ? (error as { status: number }).status : 500;
      const detail = code === "NOT_FOUND" ? "no such route" : code === "PARSE" ? "the body is not valid JSON" : status >= 500 ? "internal error" : (error as Error).message;
      set.status = status;
      set.headers["content-type"] = "application/problem+json";
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
