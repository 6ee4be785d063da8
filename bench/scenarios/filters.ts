/**
 * P1f: P1's load on a gateway holding 10,000 endpoints, each with a 5-condition payload filter of its own (DESIGN
 * §14). The endpoints belong to 10,000 tenants, one each, and each event names a random one of them, so each event
 * is routed to one endpoint whose filter is evaluated in full (every condition holds) and makes one delivery, as in
 * P1; all endpoints are disabled as in P1. The filters differ (each names its tenant), so none is shared.
 * P1fbase: the same gateway and load without the filters, so the two differ only in the filters (events spread over
 * 10,000 tenants cost more than P1's global ones by themselves: P6spread, bench/FINDINGS.md).
 */
import * as hookgate from "../lib/hookgate.ts";
import { cpuSeconds } from "../lib/proc.ts";
import { EVENT_TYPE } from "../lib/body.ts";
import { drive, type LoadShape } from "./ingest.ts";
import { seeded } from "./tenants.ts";

export const P1F = { endpoints: 10_000 };

/** type, tenant, and three conditions on data (a number, the sender's clock, the 1 KB pad's start). */
const filterOf = (t: number) => JSON.stringify({ type: EVENT_TYPE, tenant: `t${t}`, data: { n: { $gte: 0 }, t: { $gt: 0 }, pad: { $startsWith: "x" } } });

export async function filteredIngest(shape: LoadShape, filtered = true): Promise<{ rate: number; cpuUs: number }> {
  const { s } = await seeded(P1F.endpoints, false, filtered ? filterOf : undefined);
  try {
    const gw = await hookgate.start(s);
    try {
      await Bun.sleep(1_000);
      const before = await cpuSeconds(gw.proc.pid);
      const rate = await drive(s.ingestUrl, 1, shape, 202, P1F.endpoints);
      const cpu = (await cpuSeconds(gw.proc.pid)) - before;
      return { rate, cpuUs: (cpu * 1e6) / (rate * ((shape.durationMs + shape.warmMs) / 1000)) };
    } finally {
      await gw.stop();
    }
  } finally {
    s.remove();
  }
}
