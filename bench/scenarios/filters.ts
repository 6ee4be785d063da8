/**
 * P1f: P1's load on a gateway holding 10,000 global endpoints for the bench's type (disabled, as in P1), each with a
 * 5-condition payload filter of its own (DESIGN §14): the type, its own `data.account`, and three conditions on data
 * that every event meets. Every event carries the same account, so each makes one delivery, to the one endpoint
 * whose filter matches, as each of P1's makes one to its one endpoint: the two differ in the fan-out over 10,000
 * filters, not in what the store writes.
 * P1ft: filters on tenants' endpoints: 10,000 tenants with one filtered endpoint each, each event naming a random
 * one, so each event is routed to one endpoint whose filter is evaluated in full. P1fbase: the same without the
 * filters (events spread over 10,000 tenants cost more than P1's global ones by themselves: P6spread,
 * bench/FINDINGS.md), so P1ft and P1fbase differ only in the filters.
 */
import * as hookgate from "../lib/hookgate.ts";
import { cpuSeconds } from "../lib/proc.ts";
import { EVENT_TYPE } from "../lib/body.ts";
import { drive, type LoadEvents, type LoadShape } from "./ingest.ts";
import { seeded } from "./tenants.ts";

export const P1F = { endpoints: 10_000, account: "a4711" };

/** The type, the endpoint's account, and three conditions on data (a number, the sender's clock, the 1 KB pad's start). */
export const accountFilter = (i: number) => JSON.stringify({ type: EVENT_TYPE, data: { account: `a${i}`, n: { $gte: 0 }, t: { $gt: 0 }, pad: { $startsWith: "x" } } });
/** The type, the tenant, and the same three conditions on data. */
const tenantFilter = (t: number) => JSON.stringify({ type: EVENT_TYPE, tenant: `t${t}`, data: { n: { $gte: 0 }, t: { $gt: 0 }, pad: { $startsWith: "x" } } });

export type FilterFigure = "P1f" | "P1ft" | "P1fbase";

export async function filteredIngest(shape: LoadShape, figure: FilterFigure): Promise<{ rate: number; cpuUs: number }> {
  const { s } = figure === "P1f"
    ? await seeded(P1F.endpoints, false, accountFilter, "global")
    : await seeded(P1F.endpoints, false, figure === "P1ft" ? tenantFilter : undefined);
  const events: LoadEvents = figure === "P1f" ? { account: P1F.account } : { tenants: P1F.endpoints };
  try {
    const gw = await hookgate.start(s);
    try {
      await Bun.sleep(1_000);
      const before = await cpuSeconds(gw.proc.pid);
      const rate = await drive(s.ingestUrl, 1, shape, events);
      const cpu = (await cpuSeconds(gw.proc.pid)) - before;
      return { rate, cpuUs: (cpu * 1e6) / (rate * ((shape.durationMs + shape.warmMs) / 1000)) };
    } finally {
      await gw.stop();
    }
  } finally {
    s.remove();
  }
}
