#!/usr/bin/env bun
import { startApp, type AppOptions } from "./app.ts";
import type { LoadedConfig } from "./config/load.ts";
import { createLogger } from "./log.ts";
import { openStore } from "./store/open.ts";
import { storeLabel, storeOpenFailure } from "./store/store-errors.ts";
import type { Store } from "./store/types.ts";
import { lockStore } from "./store/store-lock.ts";
import { BUILD } from "./version.ts";
import { CONFIG_FLAG, help, parseArgs, usage, UsageError, type Args, type Command } from "./cli/command.ts";
import { fail, loadOrExit } from "./cli/load.ts";
import { pgSetup } from "./cli/pg-setup.ts";
import { publicUrlWarning } from "./cli/public-url.ts";
import { pidFilePath, reloadCommand, reloadOnSighup, writePidFile } from "./cli/reload.ts";

const configOf = (args: Args) => args.flags.config as string | undefined;

/** Every command: `hookgate --help` lists them in this order; adding a command is one entry here. */
const COMMANDS: Command[] = [
  {
    name: "serve", flags: [CONFIG_FLAG], summary: "run the gateway (SIGTERM/SIGINT drain and exit 0)",
    details: "Logs are JSON lines on stdout (HOOKGATE_LOG_LEVEL), the \"ready\" line among them; `hookgate listening on\nhttp://HOST:PORT` goes to stderr too. SIGHUP reloads the config (see hookgate reload).",
    run: (args) => serve(configOf(args)),
  },
  {
    name: "check", flags: [CONFIG_FLAG], summary: "validate the config: a summary, or every problem with its path (exit 1)",
    async run(args) {
      const loaded = await loadOrExit(configOf(args));
      const c = loaded.config;
      console.log(`${loaded.path}: OK — ${c.endpoints.length} endpoint(s), ${loaded.sources.length} source(s), ${c.events ? Object.keys(c.events).length : "any"} event type(s), store ${c.store.postgres ? "postgres" : `sqlite ${c.store.sqlite}`}`);
      // check opens no store: only tenants the config names count here (serve asks the store too).
      const warning = await publicUrlWarning(loaded, async () => false);
      if (warning) process.stderr.write(`warning: ${warning}\n`);
    },
  },
  {
    name: "reload", flags: [CONFIG_FLAG], summary: "check the config, then send SIGHUP to the running serve (its pid file beside the store)",
    details: "A bad config sends nothing (exit 1, every problem listed). The gateway re-reads the file and logs \"config reloaded\"\nwith what changed, or why the running config stays; systemctl reload hookgate does the same.",
    async run(args) { process.exit(await reloadCommand(configOf(args))); },
  },
  {
    name: "migrate", flags: [CONFIG_FLAG], summary: "apply the store's migrations (serve does it too)",
    async run(args) {
      const loaded = await loadOrExit(configOf(args));
      const { store: config } = loaded.config;
      const label = storeLabel(config);
      // Under the store's lock, as serve migrates: never beside a running serve of a SQLite store.
      const file = config.postgres ? null : config.sqlite ?? "./data/hookgate.db";
      const lock = !file || file === ":memory:" ? null : await lockStore(file).catch((e) => fail(`hookgate migrate: ${storeOpenFailure(e, label) ?? (e as Error).message}`));
      if (lock?.warning) process.stderr.write(`warning: ${lock.warning}\n`);
      const store = openStore(config);
      try { await store.migrate(); } catch (e) { fail(`hookgate migrate: ${storeOpenFailure(e, label) ?? (e as Error).message}`); }
      await store.close();
      lock?.release();
      console.log("store migrated");
    },
  },
  {
    name: "backup", flags: [{ name: "to", value: "FILE", required: true, help: "the new file to write the copy to (never overwritten)" }, CONFIG_FLAG],
    summary: "a consistent copy of the SQLite store, also while serve runs; the copy starts as a store (with the secrets key)",
    details: "Keep the secrets key (master.key beside the store, or HOOKGATE_MASTER_KEY) with the copy: without it the endpoint\nsecrets in the copy cannot be read. A Postgres store is backed up with pg_dump.",
    async run(args) {
      const { backup } = await import("./cli/backup.ts");
      const loaded = await loadOrExit(configOf(args));
      try {
        for (const line of backup(loaded, args.flags.to as string)) console.log(line);
      } catch (e) {
        fail(`hookgate backup: ${(e as Error).message}`);
      }
    },
  },
  {
    name: "pg-setup", flags: [CONFIG_FLAG], summary: "print the SQL for each postgres source in table mode",
    async run(args) { console.log(pgSetup(await loadOrExit(configOf(args)))); },
  },
  {
    name: "init", positionals: ["[DIR]"], summary: "write a starter webhooks.config.ts, hookgate.d.ts and tsconfig.json (never overwrites)",
    details: "DIR defaults to the current folder. hookgate.d.ts holds the types of the \"hookgate\" module of this binary, so an\neditor type-checks the config with no node_modules.",
    async run(args) {
      const { init } = await import("./cli/init.ts");
      const { written, skipped } = init(args.positionals[0]);
      for (const path of written) console.log(`wrote ${path}`);
      for (const path of skipped) console.log(`skipped ${path} (exists; hookgate init never overwrites)`);
    },
  },
  {
    name: "types", summary: "print the types (.d.ts) of the \"hookgate\" module that configs and plugins import",
    async run() { process.stdout.write((await import("./cli/module-types.ts")).MODULE_TYPES); },
  },
  {
    name: "health", flags: [{ name: "url", value: "URL", help: "the gateway's base URL (default: the config's server address)" }, CONFIG_FLAG],
    summary: "exit 0 when the gateway's /readyz answers 200, else 1 (for a container HEALTHCHECK)",
    async run(args) {
      const { health } = await import("./cli/health.ts");
      process.exit(await health(args.flags.url as string | undefined, configOf(args)));
    },
  },
  {
    name: "version", summary: "print the version, the commit and the build date",
    run() { console.log(`hookgate ${BUILD}, bun ${Bun.version}`); },
  },
];

async function main(argv: string[]): Promise<void> {
  const [first = "serve", ...rest] = argv;
  if (first === "--help" || first === "-h" || first === "help") {
    const command = COMMANDS.find((c) => c.name === rest[0]);
    console.log(command ? help(command) : usage(COMMANDS));
    return;
  }
  if (first === "--version") return COMMANDS.find((c) => c.name === "version")!.run({ flags: {}, positionals: [] });
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) fail(`hookgate: unknown command ${first}\n\n${usage(COMMANDS)}`, 2);
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(help(command));
    return;
  }
  let args: Args;
  try {
    args = parseArgs(command, rest);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    fail(`hookgate ${command.name}: ${e.message}\n\n${help(command)}`, 2);
  }
  await command.run(args);
}

async function serve(flag: string | undefined): Promise<void> {
  // A SIGHUP while starting must not end the process (its default): it reloads once the gateway is up.
  let hupWhileStarting = false;
  const early = () => { hupWhileStarting = true; };
  process.on("SIGHUP", early);
  const loaded = await loadOrExit(flag);
  const log = createLogger();
  let app;
  try {
    app = await startApp(loaded, { log, ...testHooks(process.env) });
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const reason = err.code === "EADDRINUSE" ? `port ${loaded.config.server.port} is in use (set server.port)` : err.message ?? String(e);
    fail(`hookgate: cannot start: ${reason}`);
  }
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    await app.stop();
    // stdout may be a pipe (journald, docker) that takes lines asynchronously, and process.exit drops what it has
    // not taken: the queued lines leave first, then the last one is written before exit is called.
    await log.flush();
    log.writeSync();
    log.info("stopped");
    process.exit(0);
  };
  // Before the ready line: a signal sent the moment it is seen must find the handler (the default one kills).
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  // The pid file first (`hookgate reload` finds the process as soon as it answers), then a turn of the event loop:
  // requests that came in since the server began to listen (a health check) are answered before the hints' store
  // read and the ready line (P5; bench/FINDINGS.md).
  writePidFile(pidFilePath(loaded), log);
  await new Promise((resolve) => setTimeout(resolve, 0));
  for (const warning of await readyHints(loaded, app.store)) log.warn(warning);
  log.info("ready", { url: app.url, version: BUILD });
  // The plain line too, for a human at a terminal and for scripts that wait for it.
  process.stderr.write(`hookgate listening on ${app.url}\n`);
  const hint = firstEventHint(loaded, app.url);
  if (hint) log.info("send a first event", { curl: hint });
  process.off("SIGHUP", early);
  const reload = reloadOnSighup(app, loaded.path, log, () => stopping);
  if (hupWhileStarting) reload();
}

/**
 * Test hooks for the compiled binary, which tests cannot hand options: `HOOKGATE_TEST_RECORD_WINDOW_MS` holds attempt
 * records back (to kill the process between a send and its record), `HOOKGATE_TEST_NO_LISTEN` leaves out the Postgres
 * LISTEN for endpoint changes (to prove the tick's check alone finds them). Read here only, never by the wiring.
 */
function testHooks(env: Record<string, string | undefined>): Pick<AppOptions, "recordWindowMs" | "listenForChanges"> {
  return {
    ...(Number(env.HOOKGATE_TEST_RECORD_WINDOW_MS) > 0 ? { recordWindowMs: Number(env.HOOKGATE_TEST_RECORD_WINDOW_MS) } : {}),
    ...(env.HOOKGATE_TEST_NO_LISTEN ? { listenForChanges: false } : {}),
  };
}

async function readyHints(loaded: LoadedConfig, store: Store): Promise<string[]> {
  const hints: string[] = [];
  if (loaded.config.admin.tokens.length === 0) {
    hints.push('no admin token configured: the admin API (/api/v1, Swagger UI at /docs) answers 403 until admin: { tokens: [{ name: "ops", token: env("HOOKGATE_ADMIN_TOKEN") }] } is in the config');
  }
  // A store that cannot answer now must not stop a start that succeeded: the warning is then left out.
  const publicUrl = await publicUrlWarning(loaded, () => store.tenants.any()).catch(() => null);
  if (publicUrl) hints.push(publicUrl);
  return hints;
}

/** The curl line for the first http source, so a fresh start says how to send an event. */
function firstEventHint(loaded: LoadedConfig, url: string): string | null {
  const http = loaded.sources.find((s) => s.type === "http");
  if (!http) return null;
  const path = (http.options as { path: string }).path;
  const catalog = loaded.config.events;
  const type = catalog ? Object.keys(catalog).find((t) => !catalog[t]!.schema) ?? Object.keys(catalog)[0] ?? "test.event" : "test.event";
  return `curl -X POST ${url}${path} -H 'Authorization: Bearer <a token of source "${http.id}">' -H 'Content-Type: application/json' -d '{"type":"${type}","data":{}}'`;
}

await main(process.argv.slice(2));
