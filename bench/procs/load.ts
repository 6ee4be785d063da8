/**
 * The ingest load generator, one process of possibly several. Closed loop: `concurrency` requests in flight
 * from `startAt` to `endAt` (wall clock, so several processes share one window), counting the answers that
 * land inside it. Open loop: `rate` requests per second from `startAt` for `durationMs`, never waiting on answers.
 * Prints one JSON line: { requests, events, errors, statuses }.
 */
import { eventJson } from "../lib/body.ts";
import { wallMs } from "../lib/stats.ts";

interface Plan {
  url: string;
  token: string;
  mode: "closed" | "open" | "count";
  batch: number;
  startAt: number;
  concurrency?: number;
  endAt?: number;
  rate?: number;
  durationMs?: number;
  /** Count mode: this many requests, then stop. */
  total?: number;
  /** Closed mode: answers before this are warm-up and not counted. */
  countFrom?: number;
  /** The expected status (202 for hookgate and the trivial server alike). */
  expect: number;
  /** P6: each event names a random tenant among `t0` … `t<tenants - 1>`. */
  tenants?: number;
  /** P2o: event n has the ordering key `k<n mod keys>`. */
  keys?: number;
  /** The events' type (P3load's background load: one the measured endpoint does not get). */
  type?: string;
  /** P1f: every event's `data.account`. */
  account?: string;
}

const plan = JSON.parse(process.argv[2]!) as Plan;
const headers = { authorization: `Bearer ${plan.token}`, "content-type": "application/json" };
let n = 0;
const tenant = () => (plan.tenants ? `t${Math.floor(Math.random() * plan.tenants)}` : undefined);
const key = () => (plan.keys ? `k${n % plan.keys}` : undefined);
const body = () => {
  const t = wallMs();
  const event = () => eventJson(t, n++, { tenant: tenant(), key: key(), type: plan.type, account: plan.account });
  if (plan.batch === 1) return event();
  const parts: string[] = [];
  for (let i = 0; i < plan.batch; i++) parts.push(event());
  return `[${parts.join(",")}]`;
};

let requests = 0;
let errors = 0;
const statuses: Record<string, number> = {};

async function once(): Promise<void> {
  try {
    const response = await fetch(plan.url, { method: "POST", headers, body: body() });
    await response.arrayBuffer();
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    if (response.status !== plan.expect) errors++;
  } catch (e) {
    errors++;
    statuses[String((e as { code?: string }).code ?? "error")] = (statuses[String((e as { code?: string }).code ?? "error")] ?? 0) + 1;
  }
}

const wait = plan.startAt - wallMs();
if (wait > 0) await Bun.sleep(wait);

if (plan.mode === "closed") {
  const endAt = plan.endAt!;
  const countFrom = plan.countFrom ?? plan.startAt;
  const loop = async () => {
    while (wallMs() < endAt) {
      await once();
      const at = wallMs();
      if (at >= countFrom && at <= endAt) requests++;
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency! }, loop));
} else if (plan.mode === "count") {
  let left = plan.total!;
  const loop = async () => { while (left > 0) { left--; await once(); requests++; } };
  await Promise.all(Array.from({ length: plan.concurrency! }, loop));
} else {
  const interval = 1000 / plan.rate!;
  const total = Math.round((plan.durationMs! / 1000) * plan.rate!);
  const inflight: Promise<void>[] = [];
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor((wallMs() - plan.startAt) / interval) + 1);
    while (sent < due) { inflight.push(once()); sent++; }
    await Bun.sleep(Math.max(0, plan.startAt + sent * interval - wallMs()));
  }
  await Promise.all(inflight);
  requests = sent;
}

console.log(JSON.stringify({ requests, events: requests * plan.batch, errors, statuses }));
