/** The hookgate side of the benchmarks: the compiled binary with a user's defaults, in a temp folder. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import type { Subprocess } from "bun";
import { freePort, ROOT } from "./proc.ts";
import { wallMs } from "./stats.ts";

/** HOOKGATE_BENCH_BINARY runs another build (an A/B comparison of two commits); the bench then does not build. */
export const BINARY = process.env.HOOKGATE_BENCH_BINARY ?? join(ROOT, "dist/hookgate");
export const TOKEN = "bench-ingest-token-0123456789abcdef";
export const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
export const ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";

export async function build(): Promise<void> {
  const proc = Bun.spawn(["bun", "run", "build"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if ((await proc.exited) !== 0) throw new Error(`bun run build failed: ${await new Response(proc.stderr).text()}`);
}

export interface Site { dir: string; port: number; url: string; ingestUrl: string; db: string; env: Record<string, string>; remove(): void }

/** The secrets key every process of a Postgres bench site shares (a process with another one refuses to start). */
const MASTER_KEY = Buffer.alloc(32, 0x5e).toString("base64");

/**
 * A config with the defaults a user gets (SQLite, WAL, synchronous FULL, retries, auto-disable), changed only
 * where the bench needs it: loopback delivery allowed, and the endpoint at concurrency 64 like the peer.
 * `extra.endpoint` and `extra.delivery` add settings (config text) to the endpoint and to `delivery`;
 * `extra.neighbourUrl` adds a second endpoint with the user's defaults, subscribed to the same events (P3f), but
 * never auto-disabled: it keeps failing for the whole run, as it would within autoDisableWindow (and an older
 * binary, which disabled after 20 failures whatever their age, is measured under the same load).
 * `extra.postgres` puts the store in that Postgres database instead (each process of a cluster is a site of its own).
 * `extra.endpoints` adds more endpoints (config text, each `{ ... }` separated by commas; P3fair's hanging tenant).
 * `extra.events` replaces the measured endpoint's `["*"]` (P3load: it does not get the background load's events).
 */
export function site(receiverUrl: string, enabled: boolean, extra: { endpoint?: string; delivery?: string; neighbourUrl?: string; postgres?: string; endpoints?: string; events?: string } = {}): Site {
  const { endpoint: endpointExtra, delivery: deliveryExtra, neighbourUrl, postgres, endpoints, events = '["*"]' } = extra;
  const dir = mkdtempSync(join(tmpdir(), "hookgate-bench-"));
  const port = freePort();
  writeFileSync(join(dir, "webhooks.config.ts"), `import { defineConfig } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: ${port} },
  store: ${postgres ? `{ postgres: "${postgres}" }` : `{ sqlite: "./data/hookgate.db" }`},
  admin: { tokens: [{ name: "bench", token: "${ADMIN_TOKEN}", scopes: ["read", "write"] }] },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"]${deliveryExtra ? `, ${deliveryExtra}` : ""} },
  sources: [{ type: "http", id: "bench", path: "/v1/events", tokens: [{ name: "bench", token: "${TOKEN}", events: ["*"] }] }],
  endpoints: [{ id: "receiver", url: "${receiverUrl}", events: ${events}, secret: "${SECRET}", enabled: ${enabled}, maxConcurrency: 64${endpointExtra ? `, ${endpointExtra}` : ""} }${neighbourUrl ? `,
    { id: "neighbour", url: "${neighbourUrl}", events: ["*"], secret: "${SECRET}", autoDisableAfter: 0 }` : ""}${endpoints ? `,
    ${endpoints}` : ""}],
});
`);
  const url = `http://127.0.0.1:${port}`;
  return { dir, port, url, ingestUrl: `${url}/v1/events`, db: join(dir, "data/hookgate.db"), env: postgres ? { HOOKGATE_MASTER_KEY: MASTER_KEY } : {}, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Running { proc: Subprocess; spawnAt: number; readyAt: number; stop(): Promise<number> }

/** Spawns `dist/hookgate serve` and resolves at the first 200 on /healthz. */
export async function start(s: Site, extraArgs: string[] = [], timeoutMs = 20_000): Promise<Running> {
  const spawnAt = wallMs();
  const proc = Bun.spawn([BINARY, ...extraArgs, "serve", "--config", join(s.dir, "webhooks.config.ts")], {
    cwd: s.dir, env: { ...process.env, ...s.env }, stdout: Bun.file(join(s.dir, "hookgate.log")), stderr: Bun.file(join(s.dir, "hookgate.err")), stdin: "ignore",
  });
  const deadline = spawnAt + timeoutMs;
  for (;;) {
    const ok = await fetch(`${s.url}/healthz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (proc.exitCode !== null) throw new Error(`hookgate exited ${proc.exitCode}: ${await Bun.file(join(s.dir, "hookgate.err")).text()}`);
    if (wallMs() > deadline) { proc.kill(); throw new Error("hookgate was not ready in time"); }
    await Bun.sleep(1);
  }
  return { proc, spawnAt, readyAt: wallMs(), async stop() { proc.kill("SIGTERM"); return proc.exited; } };
}

/** Enables the endpoint through the admin API, as a user would; false when this build has no admin API. */
export async function enableViaAdmin(s: Site): Promise<boolean> {
  const r = await fetch(`${s.url}/api/v1/endpoints/receiver`, {
    method: "PATCH", headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" }, body: '{"enabled":true}',
  });
  await r.arrayBuffer();
  if (r.status === 404) return false;
  if (r.status !== 200) throw new Error(`enabling the endpoint answered ${r.status}`);
  return true;
}

/** Enables the endpoint in the store of a stopped gateway (for builds without the admin API; the row is the same). */
export function enableEndpoint(s: Site): void {
  const db = new Database(s.db);
  db.exec("PRAGMA busy_timeout = 5000");
  db.run("UPDATE endpoints SET enabled = 1, disabled_reason = NULL, consecutive_failures = 0");
  db.close();
}

export function countPending(s: Site): number {
  const db = new Database(s.db, { readonly: true });
  const row = db.query("SELECT count(*) AS n FROM deliveries WHERE status IN ('pending','retrying')").get() as { n: number };
  db.close();
  return row.n;
}
