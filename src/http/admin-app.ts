import { Elysia } from "elysia";
import type { PortalConfig } from "../config/portal.ts";
import type { Metrics } from "../metrics/index.ts";
import { adminApi } from "./admin/index.ts";
import type { AdminAuth } from "./auth.ts";
import { docs } from "./docs.ts";
import { metricsRoute } from "./metrics.ts";
import { portal } from "./portal.ts";
import { answerIssuePaths, HttpProblem, problemBody, validationProblem } from "./problem.ts";
import { healthBody, notReady, type HttpOptions } from "./server.ts";

/**
 * The admin app: the admin API, /docs, /portal and /metrics on one Elysia app. app/http.ts imports this module on the
 * first request for one of them, so a start evaluates neither Elysia nor these routes (P5); /healthz, /readyz and
 * the sources' routes are answered without it (server.ts).
 */
export function adminApp(options: {
  admin: Parameters<typeof adminApi>[0];
  auth: AdminAuth;
  portal: PortalConfig;
  metrics: Metrics;
  metricsToken?: string;
} & Omit<HttpOptions, "routes" | "isDraining" | "plugins">) {
  const { admin, auth, metrics, metricsToken, portal: look, ...http } = options;
  const pages = portal(look);
  // The admin tokens are read from auth at each scrape (a reload replaces them); server.metricsToken needs a restart.
  const scrape = metricsRoute(metrics, { admin: auth, metricsToken });
  const app = createHttp({ ...http, plugins: [docs(), pages.routes, adminApi(admin, auth), scrape] });
  return { app, pages };
}

/** The gateway's HTTP face beside the sources' routes: /healthz, /readyz, and whatever admin groups are mounted. */
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
        if (status >= 500) options.log?.error("admin answer failed its schema", { error: answerIssuePaths(error) });
        set.status = status;
        return body;
      }
      const status = code === "NOT_FOUND" ? 404 : code === "PARSE" ? 400 : typeof (error as { status?: unknown }).status === "number" ? (error as { status: number }).status : 500;
      const detail = code === "NOT_FOUND" ? "no such route" : code === "PARSE" ? "the body is not valid JSON" : status >= 500 ? "internal error" : (error as Error).message;
      if (status >= 500) options.log?.error("request failed", { error: error instanceof Error ? error.stack ?? error.message : String(error) });
      set.status = status;
      return problemBody(status, detail);
    })
    .get("/healthz", () => healthBody(options))
    .get("/readyz", () => {
      const reason = options.notReady?.() ?? null;
      return reason === null ? { status: "ready" } : notReady(reason);
    });

  for (const plugin of options.plugins ?? []) app.use(plugin);
  return app;
}
