import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkedFetch, OutboundError } from "../../src/outbound/checked-fetch.ts";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startTrap } from "./servers.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0)) await f(); });

function serve(fetch: (request: Request) => Response | Promise<Response>) {
  const seen: { method: string; accept: string | null }[] = [];
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => {
    seen.push({ method: request.method, accept: request.headers.get("accept") });
    return fetch(request);
  } });
  cleanup.push(() => server.stop(true));
  return { url: `http://127.0.0.1:${server.port}`, seen };
}

// 127.0.0.1 is let back in; 127.0.0.2 stays forbidden.
const get = checkedFetch({ requireHttps: false, allowNetworks: ["127.0.0.1/32"] }, { timeoutMs: 2_000, maxBytes: 200_000 });

describe("checkedFetch: the sender as sources use it", () => {
  test("GETs the whole answer, well past the 64 KiB a delivery keeps", async () => {
    const big = "x".repeat(150_000);
    const server = serve(() => new Response(big, { headers: { "x-kind": "big" } }));
    const response = await get(`${server.url}/items?after=1`, { headers: { accept: "application/json" } });
    expect(response).toEqual({ status: 200, headers: expect.objectContaining({ "x-kind": "big" }), body: big, bytes: 150_000 });
    expect(server.seen).toEqual([{ method: "GET", accept: "application/json" }]);
  });

  test("a longer answer than maxBytes rejects as too-large, without the body", async () => {
    const server = serve(() => new Response("SECRET".repeat(100)));
    const error = await get(`${server.url}/`, { maxBytes: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboundError);
    expect(error).toMatchObject({ reason: "too-large", message: "the answer is longer than 100 bytes" });
    expect(await get(`${server.url}/`, { maxBytes: 600 })).toMatchObject({ status: 200, bytes: 600 });
  });

  test("a refused address opens no socket", async () => {
    const trap = startTrap("127.0.0.2");
    cleanup.push(trap.stop);
    const error = await get(`http://127.0.0.2:${trap.port}/`).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: "refused", message: "refused: 127.0.0.2 is a loopback address (add it to delivery.allowNetworks to allow it)" });
    await Bun.sleep(50);
    expect(trap.connections).toBe(0);
  });

  test("a 3xx is returned as the answer, not followed", async () => {
    const target = serve(() => new Response("here"));
    const redirect = serve(() => new Response(null, { status: 307, headers: { location: `${target.url}/` } }));
    const response = await get(`${redirect.url}/`);
    expect(response.status).toBe(307);
    expect(target.seen).toHaveLength(0);
  });

  test("POST with a body, and a signal that aborts", async () => {
    const server = serve(async (request) => new Response(await request.text()));
    expect((await get(`${server.url}/`, { method: "POST", body: "{\"q\":1}" })).body).toBe("{\"q\":1}");
    const slow = serve(async () => { await Bun.sleep(5_000); return new Response("late"); });
    const halt = new AbortController();
    setTimeout(() => halt.abort(), 50);
    const started = Date.now();
    const error = await get(`${slow.url}/`, { signal: halt.signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: "failed", message: "aborted" });
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe("ctx.fetch in a user's plugin", () => {
  test("applies the delivery policy: a forbidden address is refused, an allowed one answers", async () => {
    const trap = startTrap("127.0.0.2");
    cleanup.push(trap.stop);
    const server = serve(() => Response.json({ ok: true }));
    const dir = mkdtempSync(join(tmpdir(), "hookgate-fetch-plugin-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    // The module "hookgate" as a plugin file sees it (src/public.ts), by path: this folder has no tsconfig.
    writeFileSync(join(dir, "probe.ts"), `import { definePlugin, v } from ${JSON.stringify(join(import.meta.dir, "../../src/public.ts"))};
export default definePlugin({
  type: "probe",
  options: v.strictObject({ urls: v.array(v.string()) }),
  create(options, ctx) {
    return {
      async start() {
        for (const url of options.urls) {
          const outcome = await ctx.fetch(url).then((r) => \`\${r.status} \${r.body}\`, (e) => \`\${e.name} \${e.reason}: \${e.message}\`);
          ctx.log.info("probe", { outcome });
        }
      },
      async stop() {},
    };
  },
});
`);
    const logs: string[] = [];
    const app: TestApp = await startTestApp(baseConfig({
      sources: [{ type: "plugin", id: "probe", module: "./probe.ts", options: { urls: [`http://127.0.0.2:${trap.port}/`, `${server.url}/`] } }],
      delivery: { requireHttps: false, allowNetworks: ["127.0.0.1/32"] },
    }), { dir, logs });
    cleanup.unshift(() => app.close());
    await waitFor(() => logs.filter((l) => l.includes('"probe"')).length === 2, { timeoutMs: 10_000, what: "two probes" });
    const outcomes = logs.filter((l) => l.includes('"probe"')).map((l) => (JSON.parse(l) as { outcome: string }).outcome);
    expect(outcomes).toEqual([
      "OutboundError refused: refused: 127.0.0.2 is a loopback address (add it to delivery.allowNetworks to allow it)",
      '200 {"ok":true}',
    ]);
    expect(trap.connections).toBe(0);
  });
});
