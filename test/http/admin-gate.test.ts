import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { ADMIN_TOKEN, expectProblem, READ_TOKEN, startAdminApp, type AdminApp } from "./support.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

let app: AdminApp;
beforeAll(async () => { app = await startAdminApp(); });
afterAll(() => app.close());

const KiB = 1024;
const json = { "content-type": "application/json" };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function answer(response: Response) {
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

/** A chunked body (no Content-Length) of `size` bytes of JSON-ish text, sent in 16 KiB pieces. */
function chunked(size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      const n = Math.min(16 * KiB, size - sent);
      controller.enqueue(new Uint8Array(n).fill(0x5b)); // "["
      sent += n;
    },
  });
}

describe("admin bodies: the token first, then at most 64 KiB", () => {
  test("a 16 MiB unauthenticated body of nested brackets answers 401 fast, and ingest is not stalled meanwhile", async () => {
    const big = "[".repeat(16 * KiB * KiB);
    const latencies: number[] = [];
    let done = false;
    // Ingest keeps going while the big request is refused: none of it may wait on the refusal.
    const ingesting = (async () => {
      while (!done) {
        const start = performance.now();
        expect((await app.post({ type: "during.big", data: {} })).status).toBe(202);
        latencies.push(performance.now() - start);
        await Bun.sleep(5);
      }
    })();
    const results = [];
    const started = performance.now();
    for (let i = 0; i < 3; i++) {
      results.push(await answer(await fetch(`${app.url}/api/v1/endpoints`, { method: "POST", headers: json, body: big })));
    }
    const elapsed = performance.now() - started;
    done = true;
    await ingesting;
    // Generous bounds for a loaded 2-core box; parsing such a body before the token took 1.2–5 s each.
    expect(latencies.length).toBeGreaterThan(0);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    expect(elapsed).toBeLessThan(3_000);
    for (const result of results) {
      expectProblem(result, 401);
      expect(result.headers.get("www-authenticate")).toStartWith("Bearer");
    }
  });

  test("with a valid token, a declared body over 64 KiB answers 413", async () => {
    const body = JSON.stringify({ url: "http://127.0.0.1:9/x", events: ["*"], verify: false, description: "d".repeat(65 * KiB) });
    const result = await answer(await fetch(`${app.url}/api/v1/endpoints`, { method: "POST", headers: { ...json, ...bearer(ADMIN_TOKEN) }, body }));
    expectProblem(result, 413, /64 KiB/);
  });

  test("with a valid token, a chunked body over 64 KiB answers 413, counted as it streams", async () => {
    const response = await fetch(`${app.url}/api/v1/endpoints`, { method: "POST", headers: { ...json, ...bearer(ADMIN_TOKEN) }, body: chunked(80 * KiB) });
    expectProblem(await answer(response), 413, /64 KiB/);
  });

  test("a body within 64 KiB is read and validated as before", async () => {
    const body = JSON.stringify({ url: "http://127.0.0.1:9/x", events: ["*"], verify: false, description: "d".repeat(60 * KiB) });
    const result = await answer(await fetch(`${app.url}/api/v1/endpoints`, { method: "POST", headers: { ...json, ...bearer(ADMIN_TOKEN) }, body }));
    expect(expectProblem(result, 422).errors[0].path).toBe("description");
    const created = await app.api("POST", "/endpoints", { url: "http://127.0.0.1:9/x", events: ["*"], verify: false });
    expect(created.status).toBe(201);
    // A chunked body (no Content-Length) within the cap, too.
    const text = new TextEncoder().encode(JSON.stringify({ url: "http://127.0.0.1:9/y", events: ["*"], verify: false }));
    const stream = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(text.slice(0, 10)); c.enqueue(text.slice(10)); c.close(); } });
    const chunkedCreate = await answer(await fetch(`${app.url}/api/v1/endpoints`, { method: "POST", headers: { ...json, ...bearer(ADMIN_TOKEN) }, body: stream }));
    expect({ status: chunkedCreate.status, url: chunkedCreate.body.url }).toEqual({ status: 201, url: "http://127.0.0.1:9/y" });
  });

  test("a read-only token is refused a write before its body is read", async () => {
    const response = await fetch(`${app.url}/api/v1/endpoints`, { method: "POST", headers: { ...json, ...bearer(READ_TOKEN) }, body: chunked(1024 * KiB) });
    expectProblem(await answer(response), 403);
  });
});
