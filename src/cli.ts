#!/usr/bin/env bun
import { loadConfig, resolveConfigPath } from "./config/load.ts";
import { builtinPlugins } from "../plugins/index.ts";
import { VERSION } from "./version.ts";
import { createLogger } from "./log.ts";
import { startApp } from "./app.ts";
import { openStore } from "./store/open.ts";
import { pgSetup } from "./cli/pg-setup.ts";

const USAGE = `usage: hookgate <serve|check|migrate|pg-setup|version> [--config PATH]`;

function parseArgs(argv: string[]): { command: string; config?: string } {
  const [command = "serve", ...rest] = argv;
  let config: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === "--config" || arg === "-c") config = rest[++i];
    else if (arg.startsWith("--config=")) config = arg.slice(9);
    else fail(`unknown argument ${arg}\n${USAGE}`);
  }
  return { command, config };
}

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function load(flag: string | undefined) {
  const path = resolveConfigPath(flag);
  const result = await loadConfig(path, builtinPlugins);
  if (!result.ok) {
    fail(`hookgate: ${path} has ${result.problems.length} problem(s):\n${result.problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}`);
  }
  return result.loaded;
}

async function main(): Promise<void> {
  const { command, config } = parseArgs(process.argv.slice(2));
  switch (command) {
    case "version":
    case "--version":
      console.log(`hookgate ${VERSION} (bun ${Bun.version})`);
      return;
    case "check": {
      const loaded = await load(config);
      const c = loaded.config;
      console.log(`${loaded.path}: OK — ${c.endpoints.length} endpoint(s), ${loaded.sources.length} source(s), ${c.events ? Object.keys(c.events).length : "any"} event type(s), store ${c.store.postgres ? "postgres" : `sqlite ${c.store.sqlite}`}`);
      return;
    }
    case "migrate": {
      const loaded = await load(config);
      const store = openStore(loaded.config.store);
      try { await store.migrate(); } catch (e) { fail(`hookgate: ${(e as Error).message}`); }
      await store.close();
      console.log("store migrated");
      return;
    }
    case "pg-setup": {
      const loaded = await load(config);
      console.log(pgSetup(loaded));
      return;
    }
    case "serve":
      return serve(config);
    default:
      fail(USAGE, 2);
  }
}

async function serve(flag: string | undefined): Promise<void> {
  const loaded = await load(flag);
  const log = createLogger();
  let app;
  try {
    app = await startApp(loaded, { log });
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const reason = err.code === "EADDRINUSE" ? `port ${loaded.config.server.port} is in use (set server.port)` : err.message ?? String(e);
    fail(`hookgate: cannot start: ${reason}`);
  }
  for (const warning of readyHints(loaded)) log.warn(warning);
  log.info("ready", { url: app.url, version: VERSION });
  // The plain line too, for a human at a terminal and for scripts that wait for it.
  process.stderr.write(`hookgate listening on ${app.url}\n`);
  const hint = firstEventHint(loaded, app.url);
  if (hint) log.info("send a first event", { curl: hint });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    await app.stop();
    log.info("stopped");
    // stdout may be a pipe (journald, docker): the last lines must leave before the process does.
    await log.flush();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

function readyHints(loaded: Awaited<ReturnType<typeof load>>): string[] {
  const hints: string[] = [];
  if (loaded.config.admin.tokens.length === 0) {
    hints.push('no admin token configured: the admin API (/api/v1, Swagger UI at /docs) answers 403 until admin: { tokens: [{ name: "ops", token: env("HOOKGATE_ADMIN_TOKEN") }] } is in the config');
  }
  return hints;
}

/** The curl line for the first http source, so a fresh start says how to send an event. */
function firstEventHint(loaded: Awaited<ReturnType<typeof load>>, url: string): string | null {
  const http = loaded.sources.find((s) => s.type === "http");
  if (!http) return null;
  const path = (http.options as { path: string }).path;
  const catalog = loaded.config.events;
  const type = catalog ? Object.keys(catalog).find((t) => !catalog[t]!.schema) ?? Object.keys(catalog)[0] ?? "test.event" : "test.event";
  return `curl -X POST ${url}${path} -H 'Authorization: Bearer <a token of source "${http.id}">' -H 'Content-Type: application/json' -d '{"type":"${type}","data":{}}'`;
}

await main();
