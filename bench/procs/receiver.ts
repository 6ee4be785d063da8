/**
 * The bench receiver: verifies every `standard` signature (and that the body is the signed event), counts
 * distinct webhook ids, and keeps arrival latencies. Control routes: GET /_stats, POST /_reset, GET /_wait?n=N.
 * Run as its own process so its CPU is accounted apart from the sender's.
 */
import { createHmac } from "node:crypto";
import { wallMs } from "../lib/stats.ts";
import { keyOf } from "../lib/signed-post.ts";

const key = keyOf(process.env.BENCH_SECRET!);

let seen = new Set<string>();
let requests = 0;
let bad = 0;
let firstAt = 0;
let lastAt = 0;
let fromSend: number[] = [];
let fromAccept: number[] = [];
let waiters: { n: number; resolve(): void }[] = [];

function verify(headers: Headers, body: string): boolean {
  const id = headers.get("webhook-id");
  const ts = headers.get("webhook-timestamp");
  const sig = headers.get("webhook-signature");
  if (!id || !ts || !sig) return false;
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const expected = `v1,${createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest("base64")}`;
  return sig.split(" ").includes(expected);
}

async function hook(request: Request): Promise<Response> {
  const body = await request.text();
  const at = wallMs();
  requests++;
  let event: { id?: string; timestamp?: string; data?: { t?: number } };
  try { event = JSON.parse(body); } catch { event = {}; }
  const id = request.headers.get("webhook-id");
  if (!verify(request.headers, body) || event.id !== id || typeof event.data?.t !== "number") {
    bad++;
    return new Response("bad signature", { status: 401 });
  }
  if (!seen.has(id!)) {
    seen.add(id!);
    if (!firstAt) firstAt = at;
    lastAt = at;
    fromSend.push(at - event.data.t!);
    if (event.timestamp) fromAccept.push(at - Date.parse(event.timestamp));
    if (waiters.length) {
      waiters = waiters.filter((w) => (seen.size >= w.n ? (w.resolve(), false) : true));
    }
  }
  return new Response(null, { status: 204 });
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 60,
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/hooks" && request.method === "POST") return hook(request);
    if (path === "/_stats") {
      const latency = new URL(request.url).searchParams.has("latency");
      return Response.json({ distinct: seen.size, requests, bad, firstAt, lastAt, ...(latency ? { fromSend, fromAccept } : {}) });
    }
    if (path === "/_reset") {
      seen = new Set(); requests = 0; bad = 0; firstAt = 0; lastAt = 0; fromSend = []; fromAccept = [];
      return Response.json({ ok: true });
    }
    if (path === "/_wait") {
      const params = new URL(request.url).searchParams;
      const n = Number(params.get("n"));
      const timeout = Number(params.get("timeout") ?? 60_000);
      if (seen.size < n) {
        await Promise.race([new Promise<void>((resolve) => waiters.push({ n, resolve })), Bun.sleep(timeout)]);
      }
      return Response.json({ distinct: seen.size, done: seen.size >= n });
    }
    return new Response("not found", { status: 404 });
  },
});

console.log(JSON.stringify({ port: server.port }));
