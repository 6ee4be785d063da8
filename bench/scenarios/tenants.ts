/**
 * P6: ingest with 100,000 endpoints over 50,000 tenants beside P1's setup, start time and RSS with them loaded.
 * The endpoints are written into the SQLite store of a stopped gateway, as rows the admin API would have made
 * (secrets encrypted with the data folder's key, tenants recorded): a user with that many endpoints made them
 * through the API, not the config file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { AesGcmCodec } from "../../src/secrets/codec.ts";
import { parseKey } from "../../src/secrets/key.ts";
import * as hookgate from "../lib/hookgate.ts";
import { cpuSeconds, rssMb } from "../lib/proc.ts";
import { drive, hookgateIngest, type LoadShape } from "./ingest.ts";

export const P6 = { endpoints: 100_000, tenants: 50_000, globals: 3 };

export interface TenantFigures { rate: number; routed: number; baseline: number; startMs: number; rss: number; rssAfter: number; cpuUs: number; seedMs: number }

/**
 * Each tenant has one endpoint for the bench's type and one for other types; the few seeded global endpoints
 * subscribe to other types too, and the config's endpoint to none the bench sends. So each event, routed by its
 * tenant, makes one delivery as in P1, and as in P1 every endpoint is disabled: nothing is sent.
 */
export function seed(s: hookgate.Site): void {
  const key = parseKey(readFileSync(join(s.dir, "data/master.key"), "utf8"));
  if (!key) throw new Error("P6: no master.key in the bench's data folder");
  const codec = new AesGcmCodec(key);
  const secret = codec.encrypt(hookgate.SECRET);
  const db = new Database(s.db);
  db.exec("PRAGMA busy_timeout = 5000");
  const now = Date.now();
  const endpoint = db.prepare(`INSERT INTO endpoints (id, tenant, url, description, events, enabled, disabled_reason, managed_by, headers, auth,
    signing_scheme, signing_header, secret, options, consecutive_failures, created_at, updated_at)
    VALUES (?, ?, 'http://127.0.0.1:9/hooks', '', ?, 0, 'created disabled', 'api', '{}', NULL, 'standard', NULL, ?, '{}', 0, ?, ?)`);
  const tenant = db.prepare("INSERT INTO tenants (id, name, metadata, created_at, updated_at) VALUES (?, NULL, NULL, ?, ?)");
  db.transaction(() => {
    for (let t = 0; t < P6.tenants; t++) {
      tenant.run(`t${t}`, now, now);
      endpoint.run(`ep_t${t}_a`, `t${t}`, '["bench.event"]', secret, now, now);
      endpoint.run(`ep_t${t}_b`, `t${t}`, '["other.*"]', secret, now, now);
    }
    for (let g = 0; g < P6.globals; g++) endpoint.run(`ep_global_${g}`, null, `["global${g}.*"]`, secret, now, now);
  })();
  db.close();
}

/** `spread`: how many tenants the events name (each a random one of them); P6 is all 50,000, P6r 10. */
export async function tenantIngest(shape: LoadShape, spread = P6.tenants): Promise<TenantFigures> {
  const baseline = (await hookgateIngest(shape, 1)).rate;
  const s = hookgate.site("http://127.0.0.1:9/hooks", false, { endpoint: 'events: ["global.*"]' });
  try {
    // A first start makes the store and its key; the endpoints are written while it is stopped.
    await (await hookgate.start(s)).stop();
    const t = performance.now();
    seed(s);
    const seedMs = performance.now() - t;
    const gw = await hookgate.start(s);
    try {
      const startMs = gw.readyAt - gw.spawnAt;
      await Bun.sleep(1_500);
      const rss = await rssMb(gw.proc.pid);
      // P6r first, on the fresh store: the same endpoints, events of 10 tenants. What holding 100,000 endpoints costs
      // ingest, apart from index inserts spread over 50,000 tenants (bench/FINDINGS.md, issue 12).
      const routed = await drive(s.ingestUrl, 1, shape, 202, 10);
      const before = await cpuSeconds(gw.proc.pid);
      const rate = await drive(s.ingestUrl, 1, shape, 202, spread);
      const cpu = (await cpuSeconds(gw.proc.pid)) - before;
      const cpuUs = (cpu * 1e6) / (rate * ((shape.durationMs + shape.warmMs) / 1000));
      return { rate, routed, baseline, startMs, rss, rssAfter: await rssMb(gw.proc.pid), cpuUs, seedMs };
    } finally {
      await gw.stop();
    }
  } finally {
    s.remove();
  }
}
