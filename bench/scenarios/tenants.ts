/**
 * P6: ingest with 100,000 endpoints over 50,000 tenants against P1's setup with 10 endpoints (10 tenants), start time
 * and RSS with them loaded. The endpoints are written into the SQLite store of a stopped gateway, as rows the admin
 * API would have made (secrets encrypted with the data folder's key, tenants recorded): a user with that many
 * endpoints made them through the API, not the config file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { AesGcmCodec } from "../../src/secrets/codec.ts";
import { parseKey } from "../../src/secrets/key.ts";
import * as hookgate from "../lib/hookgate.ts";
import { cpuSeconds, rssMb } from "../lib/proc.ts";
import { summarize } from "../lib/stats.ts";
import { drive, type LoadShape } from "./ingest.ts";

/** `baseline`: the tenants (one endpoint each) of P6base, and the tenants P6's events name. */
export const P6 = { endpoints: 100_000, tenants: 50_000, globals: 3, baseline: 10 };

type Owner = "tenant" | "global";

export interface TenantFigures { rate: number; spread: number; baseline: number; baselineCpuUs: number; startMs: number; rss: number; rssAfter: number; cpuUs: number; seedMs: number }

/**
 * Each tenant has one endpoint for the bench's type and, when `full`, one for other types, and the 3 global endpoints
 * subscribe to other types too; the config's endpoint subscribes to none the bench sends. So each event, routed by
 * its tenant, makes one delivery as in P1, and as in P1 every endpoint is disabled: nothing is sent.
 * `owner: "global"`: the endpoints for the bench's type are global ones instead, with no tenants (P1f).
 */
export function seed(s: hookgate.Site, tenants = P6.tenants, full = true, filterOf: (tenant: number) => string | null = () => null, owner: Owner = "tenant"): void {
  const key = parseKey(readFileSync(join(s.dir, "data/master.key"), "utf8"));
  if (!key) throw new Error("P6: no master.key in the bench's data folder");
  const codec = new AesGcmCodec(key);
  const secret = codec.encrypt(hookgate.SECRET);
  const db = new Database(s.db);
  db.exec("PRAGMA busy_timeout = 5000");
  const now = Date.now();
  const endpoint = db.prepare(`INSERT INTO endpoints (id, tenant, url, description, events, enabled, disabled_reason, managed_by, headers, auth,
    signing_scheme, signing_header, secret, options, filter, consecutive_failures, created_at, updated_at)
    VALUES (?, ?, 'http://127.0.0.1:9/hooks', '', ?, 0, 'created disabled', 'api', '{}', NULL, 'standard', NULL, ?, '{}', ?, 0, ?, ?)`);
  const tenant = db.prepare("INSERT INTO tenants (id, name, metadata, created_at, updated_at) VALUES (?, NULL, NULL, ?, ?)");
  db.transaction(() => {
    for (let t = 0; t < tenants; t++) {
      if (owner === "global") { endpoint.run(`ep_g${t}`, null, '["bench.event"]', secret, filterOf(t), now, now); continue; }
      tenant.run(`t${t}`, now, now);
      endpoint.run(`ep_t${t}_a`, `t${t}`, '["bench.event"]', secret, filterOf(t), now, now);
      if (full) endpoint.run(`ep_t${t}_b`, `t${t}`, '["other.*"]', secret, null, now, now);
    }
    if (full) for (let g = 0; g < P6.globals; g++) endpoint.run(`ep_global_${g}`, null, `["global${g}.*"]`, secret, null, now, now);
  })();
  // Prepared statements left unfinalized keep the connection open after close() (a zombie that closes when they are
  // collected): the gateway started next then found the store locked, now and then (a CI run's P1fbase).
  endpoint.finalize();
  tenant.finalize();
  db.close(true);
}

/** A gateway whose store was seeded while it was stopped (a first start makes the store and its key). */
export async function seeded(tenants: number, full: boolean, filterOf?: (tenant: number) => string | null, owner: Owner = "tenant"): Promise<{ s: hookgate.Site; seedMs: number }> {
  const s = hookgate.site("http://127.0.0.1:9/hooks", false, { endpoint: 'events: ["global.*"]' });
  await (await hookgate.start(s)).stop();
  const t = performance.now();
  seed(s, tenants, full, filterOf, owner);
  return { s, seedMs: performance.now() - t };
}

/**
 * P6base: P1's setup with 10 endpoints, one for each of 10 tenants, events of those tenants. P6: the same load (the
 * same 10 tenants' events) on a gateway holding 100,000 endpoints over 50,000 tenants, so the two write the same
 * rows to the same index places and differ only in the endpoints held. Both gateways run side by side and are
 * driven in turn, `pairs` times each, so a machine that slows down or speeds up during the run moves both alike.
 * P6spread: then events of all 50,000 tenants, which also spreads the store's tenant- and endpoint-keyed index
 * inserts over 50,000 places (bench/FINDINGS.md, issue 12).
 */
export async function tenantIngest(shape: LoadShape, pairs = 3): Promise<TenantFigures> {
  const small = await seeded(P6.baseline, false);
  const big = await seeded(P6.tenants, true);
  try {
    const bigGw = await hookgate.start(big.s);
    try {
      const startMs = bigGw.readyAt - bigGw.spawnAt;
      await Bun.sleep(1_500);
      const rss = await rssMb(bigGw.proc.pid);
      const smallGw = await hookgate.start(small.s);
      try {
        await Bun.sleep(1_500);
        const base: Measured[] = [];
        const subject: Measured[] = [];
        for (let i = 0; i < pairs; i++) {
          base.push(await measured(smallGw, small.s, shape, P6.baseline));
          subject.push(await measured(bigGw, big.s, shape, P6.baseline));
        }
        const spread = await drive(big.s.ingestUrl, 1, shape, { tenants: P6.tenants });
        return {
          rate: summarize(subject.map((m) => m.rate)).median, cpuUs: summarize(subject.map((m) => m.cpuUs)).median,
          baseline: summarize(base.map((m) => m.rate)).median, baselineCpuUs: summarize(base.map((m) => m.cpuUs)).median,
          spread, startMs, rss, rssAfter: await rssMb(bigGw.proc.pid), seedMs: big.seedMs,
        };
      } finally {
        await smallGw.stop();
      }
    } finally {
      await bigGw.stop();
    }
  } finally {
    small.s.remove();
    big.s.remove();
  }
}

interface Measured { rate: number; cpuUs: number }

async function measured(gw: hookgate.Running, s: hookgate.Site, shape: LoadShape, tenants: number): Promise<Measured> {
  const before = await cpuSeconds(gw.proc.pid);
  const rate = await drive(s.ingestUrl, 1, shape, { tenants });
  return { rate, cpuUs: cpuPerEvent((await cpuSeconds(gw.proc.pid)) - before, rate, shape) };
}


/** Includes the warm-up's events too: CPU over the whole drive, per event answered in the window, is close. */
function cpuPerEvent(cpuSeconds: number, rate: number, shape: LoadShape): number {
  return (cpuSeconds * 1e6) / (rate * ((shape.durationMs + shape.warmMs) / 1000));
}
