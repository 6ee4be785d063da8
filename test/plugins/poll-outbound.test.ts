import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { ADMIN_TOKEN, baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startTrap } from "../outbound/servers.ts";
import { startItemsServer } from "./items-server.ts";
import { dbOf } from "../support/store-db.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

/** The poll source goes out through the same checked sender as deliveries (issue 9, item 6). */

let app: TestApp | null = null;
const cleanup: (() => void)[] = [];
afterEach(async () => {
  await app?.close();
  app = null;
  for (const stop of cleanup.splice(0)) stop();
});

type Delivery = { requireHttps?: boolean; allowNetworks?: string[] };
const LOOPBACK = ["127.0.0.0/8", "::1/128"];

function poll(url: string, delivery: Delivery, extra: Record<string, unknown> = {}) {
  return { type: "poll" as const, id: "crm", schedule: "* * * * * *", url, items: (body: { items: unknown[] }) => body.items, ...extra };
}

async function start(sources: ReturnType<typeof poll>[], delivery: Delivery, logs?: string[], server: Record<string, unknown> = {}) {
  app = await startTestApp(baseConfig({ sources, delivery: delivery as never, server: { host: "127.0.0.1", port: 0, ...server } }), { logs });
  return app;
}

const sourceState = async (a: TestApp, id = "crm") =>
  (await dbOf(a.store).selectFrom("source_state").selectAll().where("id", "=", id).executeTakeFirst()) ?? null;
const failed = (a: TestApp, id = "crm") => waitFor(async () => (await sourceState(a, id))?.status === "error", { timeoutMs: 10_000, what: `${id} in error` });

/** An HTTP listener that answers every request with `answer` and counts them. */
function listener(answer: (request: Request) => Response) {
  const state = { url: "", requests: 0 };
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => { state.requests++; return answer(request); } });
  state.url = `http://127.0.0.1:${server.port}`;
  cleanup.push(() => server.stop(true));
  return state;
}

describe("poll through the checked sender", () => {
  test("a URL on 127.0.0.1 without allowNetworks is refused and never connected to", async () => {
    const trap = startTrap("127.0.0.1");
    cleanup.push(trap.stop);
    const a = await start([poll(`http://127.0.0.1:${trap.port}/items?after={cursor}`, {})], { requireHttps: false, allowNetworks: [] });
    await failed(a);
    expect((await sourceState(a))!.last_error).toContain("127.0.0.1 is a loopback address (add it to delivery.allowNetworks to allow it)");
    await Bun.sleep(1_500); // a retry after the backoff is refused too
    expect(trap.connections).toBe(0);
  });

  test("with its range in allowNetworks the same poll works", async () => {
    const api = startItemsServer({ count: 3, pageSize: 10 });
    cleanup.push(api.stop);
    const a = await start([poll(`${api.url}?after={cursor}`, {}, {
      map: (item: { id: number }) => ({ type: "contact.updated", data: item }), cursor: (item: { id: number }) => item.id,
    })], { requireHttps: false, allowNetworks: ["127.0.0.1/32"] });
    await waitFor(async () => (await dbOf(a.store).selectFrom("events").select("id").execute()).length === 3, { timeoutMs: 10_000, what: "three events" });
    expect((await sourceState(a))!.status).toBe("running");
  });

  test("requireHttps applies: an http URL is refused without a connection", async () => {
    const trap = startTrap("127.0.0.1");
    cleanup.push(trap.stop);
    const a = await start([poll(`http://127.0.0.1:${trap.port}/items`, {})], { requireHttps: true, allowNetworks: LOOPBACK });
    await failed(a);
    expect((await sourceState(a))!.last_error).toContain("http is not allowed (use https, or set delivery.requireHttps: false)");
    expect(trap.connections).toBe(0);
  });

  test("a 302 is an error naming the status, and is not followed", async () => {
    const target = listener(() => Response.json({ items: [{ type: "x.y", data: {} }] }));
    const redirect = listener(() => new Response(null, { status: 302, headers: { location: `${target.url}/items` } }));
    const a = await start([poll(`${redirect.url}/items`, {})], { requireHttps: false, allowNetworks: LOOPBACK });
    await failed(a);
    expect((await sourceState(a))!.last_error).toContain("answered 302");
    expect(redirect.requests).toBeGreaterThanOrEqual(1);
    await Bun.sleep(300);
    expect(target.requests).toBe(0);
    // Its failure is stored as a hookgate.source.error event (source "hookgate"); the poll itself made none.
    expect(await dbOf(a.store).selectFrom("events").select("id").where("source", "!=", "hookgate").execute()).toEqual([]);
  });

  test("an error answer's body never reaches GET /api/v1/sources or the logs: the status and the size do", async () => {
    const secret = "SECRET-INTERNAL";
    const error = listener(() => new Response(`${secret} stack trace`, { status: 500 }));
    const notJson = listener(() => new Response(`${secret} <html>`, { status: 200 }));
    const logs: string[] = [];
    const a = await start([
      poll(`${error.url}/items`, {}),
      { ...poll(`${notJson.url}/items`, {}), id: "html" },
    ], { requireHttps: false, allowNetworks: LOOPBACK }, logs);
    await failed(a);
    await failed(a, "html");
    const response = await fetch(`${a.url}/api/v1/sources`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const text = await response.text();
    const { data } = JSON.parse(text) as { data: { id: string; lastError: string | null }[] };
    expect(data.find((s) => s.id === "crm")!.lastError).toContain("answered 500 with 27 bytes");
    expect(data.find((s) => s.id === "html")!.lastError).toContain("answered 200 with 22 bytes that are not JSON");
    expect(text).not.toContain(secret);
    expect(logs.join("")).toContain("answered 500");
    expect(logs.join("")).not.toContain(secret);
  });

  test("the whole answer is read up to server.maxBodyBytes; a bigger one is refused with a clear error", async () => {
    const items = Array.from({ length: 60 }, (_, i) => ({ type: "x.y", data: { i, pad: "p".repeat(40) } }));
    const big = listener(() => Response.json({ items }));
    const a = await start([poll(`${big.url}/items`, {})], { requireHttps: false, allowNetworks: LOOPBACK }, undefined, { maxBodyBytes: 2_048 });
    await failed(a);
    expect((await sourceState(a))!.last_error).toContain("answered more than 2048 bytes (server.maxBodyBytes): ask for smaller pages, or raise server.maxBodyBytes");
    expect(await dbOf(a.store).selectFrom("events").select("id").where("source", "!=", "hookgate").execute()).toEqual([]);
  });
});
