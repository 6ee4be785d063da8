import type { AppOptions } from "../app.ts";
import type { LoadedConfig } from "../config/load.ts";
import { AdminSettings } from "../http/admin/context.ts";
import type { adminApp } from "../http/admin-app.ts";
import { problem } from "../http/problem.ts";
import { createFetch, reasonOf, secured, sourceRoutes } from "../http/server.ts";
import type { MountedRoute } from "../sources/supervisor.ts";
import type { Services } from "./services.ts";

/** Where the gateway is in its life: /readyz and the sources' routes answer by it (lifecycle.ts moves it on). */
export interface Phase { started: boolean; draining: boolean }

export interface HttpServer {
  url: string;
  port: number;
  /** Serves these source routes (after a reload replaced sources), with the same handlers for everything else. */
  mount(routes: MountedRoute[]): void;
  /** The next config's admin settings and portal; the listener (`server.*`) keeps its values until a restart. */
  reload(next: LoadedConfig): void;
  stop(): void;
}

const sourceList = (loaded: LoadedConfig) => loaded.sources.map((s) => ({ id: s.id, type: s.type }));

/** Listens on `server.host:port`: the sources' routes, the admin API, /docs, /portal, /metrics and the health checks. */
export function serveHttp(loaded: LoadedConfig, services: Services, phase: Phase, options: AppOptions): HttpServer {
  const { config } = loaded;
  const { store, registry, dispatcher, sender, events, sources, auth, metrics, writes } = services;
  const log = options.log.child({ component: "http" });
  const settings = new AdminSettings(config, sourceList(loaded));
  // The portal's look follows reloads: the app takes the latest when it is built, and is told of later ones.
  let portalConfig = config.portal;
  const health = {
    health: () => ({ store: writes.status }),
    notReady: () => phase.draining ? "draining" : !phase.started ? "starting" : writes.status === "ok" ? null : `store ${writes.status}`,
  };
  // The admin API, /docs, /portal and /metrics: one Elysia app, imported and built on the first request for one of
  // them (its modules took about 3 ms of every start and its routes 6–9 ms, P5); /healthz and /readyz answer without it
  // (createFetch). A failed import is tried again at the next request.
  let app: Promise<ReturnType<typeof adminApp>> | null = null;
  const built = () => (app ??= import("../http/admin-app.ts").then((m) => m.adminApp({
    admin: {
      settings, runningOn: (recorded) => sources.runningOn(recorded), store, queries: store.admin, registry, dispatcher, send: sender.send,
      resolve: options.resolve, now: auth.now, events, log: options.log.child({ component: "admin" }),
    },
    auth, portal: portalConfig, metrics, metricsToken: config.server.metricsToken, log, ...health,
  })).catch((e: unknown) => { app = null; throw e; }));
  const http = async () => (await built()).app;
  // The same handlers after a reload (server.reload replaces them): /readyz, /metrics and the admin API stay as they are.
  const handlers = {
    fetch: createFetch(http, auth, log, health),
    error: (e: Error) => {
      log.error("request failed", { error: reasonOf(e) });
      return secured(problem(500, "internal error"));
    },
  };
  // The sources' routes, each counted by source (hookgate_ingest_requests_total), at start and after a reload.
  const routesOf = (routes: MountedRoute[]) => sourceRoutes({ routes, isDraining: () => phase.draining, log, countRequests: (id) => metrics.ingestRequestCounter(id) });
  const server = Bun.serve({
    hostname: config.server.host,
    port: config.server.port,
    maxRequestBodySize: Math.max(config.server.maxBodyBytes * 2, 16 * 1024 * 1024),
    // Bun's default, said explicitly: a client silent this long mid-upload is cut off (logged at debug).
    idleTimeout: 10,
    routes: routesOf(sources.routes),
    ...handlers,
  });
  const port = server.port!;
  return {
    url: `http://${config.server.host === "0.0.0.0" ? "127.0.0.1" : config.server.host}:${port}`,
    port,
    mount(routes) { server.reload({ routes: routesOf(routes), ...handlers }); },
    reload(next) {
      settings.reload(next.config, sourceList(next));
      portalConfig = next.config.portal;
      void app?.then(({ pages }) => pages.reload(portalConfig), () => {});
    },
    stop() { server.stop(true); },
  };
}
