import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { ensureBinary, runBinary, startBinary, writeConfig } from "../support/binary.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TOKEN = "binary-ingest-token-0123456789";

function gatewayConfig(receiverUrl: string, extra = ""): string {
  return `import { defineConfig, env, v } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0 },
  store: { sqlite: "./data/hookgate.db" },
  events: { "job.completed": { schema: v.object({ n: v.number() }) } },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"], timeoutMs: 1000, schedule: ["200ms", "200ms", "200ms", "1s", "1s", "1s"], jitter: 0 },
  sources: [{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: env("INGEST_TOKEN"), events: ["*"] }] }],
  endpoints: [{ id: "rx", url: "${receiverUrl}", events: ["*"], secret: "${SECRET}" }],
  ${extra}
});
`;
}

let receiver: Receiver;
beforeAll(async () => { receiver = startReceiver(); await ensureBinary(); });
afterAll(() => receiver.stop());

const post = (url: string, body: unknown) => fetch(`${url}/v1/events`, {
  method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body),
});

describe("compiled binary", () => {
  test("version", async () => {
    const { code, stdout } = await runBinary(["version"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^hookgate \d+\.\d+\.\d+/);
  });

  test("check passes a good config and prints a summary", async () => {
    const path = writeConfig(gatewayConfig(receiver.url));
    const { code, stdout } = await runBinary(["check", "--config", path], { INGEST_TOKEN: TOKEN });
    expect(code).toBe(0);
    expect(stdout).toContain("OK");
    expect(stdout).toContain("1 endpoint(s)");
  });

  test("check and serve list every mistake with its path and exit non-zero", async () => {
    const path = writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({
  server: { prot: 8080 },
  delivery: { jitter: 2, allowNetworks: ["10.0.0.0/99"] },
  sources: [{ type: "http", id: "app", tokens: [{ name: "short", token: "abc" }] }, { type: "kafka", id: "k" }],
  endpoints: [
    { id: "a", url: "http://example.com/hooks", events: ["*"], secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
    { id: "a", url: "https://10.0.0.5/hooks", events: ["job.*"] },
    { id: "c", url: "https://example.com", events: [] , secret: "x" },
  ],
});
`);
    const expected = ["server.prot", "delivery.jitter"];
    const check = await runBinary(["check", "--config", path]);
    expect(check.code).toBe(1);
    for (const p of expected) expect(check.stderr).toContain(`${p}:`);
    const serve = await runBinary(["serve", "--config", path]);
    expect(serve.code).not.toBe(0);
    for (const p of expected) expect(serve.stderr).toContain(`${p}:`);

    // With the schema errors fixed, the semantic ones show, each with a path and a fix.
    const second = writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({
  delivery: { allowNetworks: ["10.0.0.0/99"] },
  sources: [{ type: "http", id: "app", tokens: [{ name: "short", token: "abc" }] }, { type: "kafka", id: "k" }],
  endpoints: [
    { id: "a", url: "http://example.com/hooks", events: ["*"], secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
    { id: "a", url: "https://10.0.0.5/hooks", events: ["job.*"] },
  ],
});
`);
    const again = await runBinary(["check", "--config", second]);
    expect(again.code).toBe(1);
    for (const [p, fix] of [
      ["endpoints[0].url", "requireHttps"],
      ["endpoints[1].id", "unique"],
      ["endpoints[1].url", "10.0.0.5"],
      ["endpoints[1].secret", "required"],
      ["delivery.allowNetworks[0]", "prefix length"],
      ["sources[0].tokens[0].token", "16 characters"],
      ["sources[1].type", "unknown source type"],
    ]) expect(again.stderr).toMatch(new RegExp(`${p!.replace(/[[\].]/g, "\\$&")}: .*${fix}`));
  });

  test("an unset env() names the variable", async () => {
    const path = writeConfig(gatewayConfig(receiver.url));
    const { code, stderr } = await runBinary(["check", "--config", path], { INGEST_TOKEN: "" });
    expect(code).toBe(1);
    expect(stderr).toContain('env("INGEST_TOKEN") is not set');
  });

  test("serve: ready line, /healthz, a signed delivery, migrate, and a clean SIGTERM", async () => {
    const path = writeConfig(gatewayConfig(receiver.url));
    const running = await startBinary(path, { INGEST_TOKEN: TOKEN });
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    const response = await post(running.url, { type: "job.completed", data: { n: 1 } });
    expect(response.status).toBe(202);
    const { id } = await response.json() as { id: string };
    await waitFor(() => receiver.requests.some((r) => r.headers["webhook-id"] === id), { timeoutMs: 5_000, what: "the delivery" });
    const req = receiver.requests.find((r) => r.headers["webhook-id"] === id)!;
    expect(new Webhook(SECRET).verify(req.body, req.headers)).toMatchObject({ id, type: "job.completed", data: { n: 1 } });
    expect(await running.stop("SIGTERM")).toBe(0);
    for (const line of running.output().split("\n").filter((l) => l.startsWith("{"))) expect(() => JSON.parse(line)).not.toThrow();
    const migrate = await runBinary(["migrate", "--config", path], { INGEST_TOKEN: TOKEN });
    expect(migrate.code).toBe(0);
  });

  test("a store it cannot open fails the start with a one-line reason", async () => {
    for (const store of ['{ sqlite: "/proc/no-such-dir/h.db" }', '{ postgres: "postgres://postgres@127.0.0.1:1/x" }']) {
      const path = writeConfig(`import { defineConfig } from "hookgate";\nexport default defineConfig({ server: { port: 0 }, store: ${store} });\n`);
      const { code, stderr } = await runBinary(["serve", "--config", path]);
      expect(code).not.toBe(0);
      expect(stderr.trim().split("\n")).toHaveLength(1);
      expect(stderr).toStartWith("hookgate: cannot start:");
    }
  });

  test("a port in use fails the start with a one-line reason", async () => {
    const blocker = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const path = writeConfig(gatewayConfig(receiver.url).replace("port: 0", `port: ${blocker.port}`));
    const { code, stderr } = await runBinary(["serve", "--config", path], { INGEST_TOKEN: TOKEN });
    blocker.stop(true);
    expect(code).not.toBe(0);
    expect(stderr).toContain("in use");
  });
});

describe("durability", () => {
  test("kill -9 during a load of a few thousand events: every acknowledged event is delivered after a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-kill-"));
    const path = writeConfig(gatewayConfig(receiver.url), dir);
    const received = new Set<string>();
    receiver.respond((r) => { received.add(r.headers["webhook-id"]!); return new Response("ok"); });
    const first = await startBinary(path, { INGEST_TOKEN: TOKEN });
    const acked = new Set<string>();
    let stop = false;
    const worker = async () => {
      for (let i = 0; !stop && i < 2_000; i++) {
        const batch = Array.from({ length: 5 }, (_, k) => ({ type: "job.completed", data: { n: i * 5 + k } }));
        try {
          const response = await post(first.url, batch);
          if (response.status === 202) for (const e of (await response.json() as { events: { id: string }[] }).events) acked.add(e.id);
        } catch { return; }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await waitFor(() => acked.size >= 3_000, { timeoutMs: 30_000, what: "3,000 acknowledged events" });
    first.proc.kill("SIGKILL");
    stop = true;
    await Promise.all(workers);
    await first.proc.exited;
    expect(acked.size).toBeGreaterThanOrEqual(3_000);

    const second = await startBinary(path, { INGEST_TOKEN: TOKEN });
    // Deliveries leased by the killed process come back when their lease (2 × timeout + 5 s) ends.
    await waitFor(() => [...acked].every((id) => received.has(id)), { timeoutMs: 40_000, what: "every acknowledged event delivered" });
    expect(await second.stop("SIGTERM")).toBe(0);
    receiver.respond(() => new Response("ok"));
  }, 90_000);

  test("kill -9 after attempts were sent but before they were recorded: the resend is numbered after them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-renumber-"));
    const path = writeConfig(gatewayConfig(receiver.url, `admin: { tokens: [{ name: "ops", token: "renumber-admin-token-0123456789" }] },`), dir);
    const seen: { id: string; attempt: string }[] = [];
    receiver.respond((r) => { seen.push({ id: r.headers["webhook-id"]!, attempt: r.headers["webhook-attempt"]! }); return new Response("ok"); });
    // A test-only knob holds the attempt records back, so the kill lands between the send and its record every time.
    const first = await startBinary(path, { INGEST_TOKEN: TOKEN, HOOKGATE_TEST_RECORD_WINDOW_MS: "60000" });
    const response = await post(first.url, [1, 2, 3].map((n) => ({ type: "job.completed", data: { n } })));
    const ids = (await response.json() as { events: { id: string }[] }).events.map((e) => e.id);
    await waitFor(() => seen.length === 3, { timeoutMs: 5_000, what: "three first attempts" });
    expect(seen.map((s) => s.attempt)).toEqual(["1", "1", "1"]);
    first.proc.kill("SIGKILL");
    await first.proc.exited;

    const second = await startBinary(path, { INGEST_TOKEN: TOKEN });
    // The lease of the killed process ends after 2 × timeout + 5 s; then the deliveries are sent again.
    await waitFor(() => seen.length >= 6, { timeoutMs: 20_000, what: "the resends" });
    const resent = seen.slice(3);
    expect(resent.map((s) => s.id).sort()).toEqual([...ids].sort());
    expect(resent.every((s) => Number(s.attempt) > 1)).toBe(true);
    const headers = { authorization: "Bearer renumber-admin-token-0123456789" };
    await waitFor(async () => {
      const page = await (await fetch(`${second.url}/api/v1/deliveries?status=succeeded`, { headers })).json() as { data: unknown[] };
      return page.data.length === 3;
    }, { timeoutMs: 5_000, what: "the resends recorded" });
    const page = await (await fetch(`${second.url}/api/v1/deliveries`, { headers })).json() as { data: { attempts: { number: number }[] }[] };
    for (const d of page.data) expect(d.attempts.map((a) => a.number)).toEqual([2]);
    expect(await second.stop("SIGTERM")).toBe(0);
    receiver.respond(() => new Response("ok"));
  }, 60_000);

  test("SIGTERM drains: ingest stops, in-flight attempts finish, nothing is lost", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-drain-"));
    const path = writeConfig(gatewayConfig(receiver.url), dir);
    const received = new Set<string>();
    receiver.respond(async (r) => { await Bun.sleep(50); received.add(r.headers["webhook-id"]!); return new Response("ok"); });
    const first = await startBinary(path, { INGEST_TOKEN: TOKEN });
    const acked = new Set<string>();
    const statuses = new Set<number>();
    let done = false;
    const worker = async () => {
      while (!done) {
        try {
          const response = await post(first.url, { type: "job.completed", data: { n: 1 } });
          statuses.add(response.status);
          if (response.status === 202) acked.add((await response.json() as { id: string }).id);
        } catch { return; }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    await waitFor(() => acked.size >= 300, { timeoutMs: 20_000, what: "300 events" });
    const code = await first.stop("SIGTERM");
    done = true;
    await Promise.all(workers);
    expect(code).toBe(0);
    expect([...statuses].every((s) => s === 202 || s === 503)).toBe(true);

    const second = await startBinary(path, { INGEST_TOKEN: TOKEN });
    await waitFor(() => [...acked].every((id) => received.has(id)), { timeoutMs: 30_000, what: "every acknowledged event delivered" });
    await second.stop("SIGTERM");
    receiver.respond(() => new Response("ok"));
  }, 90_000);
});
