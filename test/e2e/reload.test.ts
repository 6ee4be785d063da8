import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary, runBinary, startBinary, writeConfig, type Running } from "../support/binary.ts";
import { startReceiver, type Receiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(60_000);

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TOKEN = "reload-ingest-token-0123456789";
const ADMIN = "reload-admin-token-0123456789";

interface Parts { endpoints: string; sources?: string; admin?: string; server?: string; extra?: string }
const config = (p: Parts) => `import { defineConfig, v } from "hookgate";
export default defineConfig({
  server: { host: "127.0.0.1", port: 0${p.server ?? ""} },
  store: { sqlite: "./data/hookgate.db" },
  admin: { tokens: [${p.admin ?? `{ name: "ops", token: "${ADMIN}" }`}] },
  delivery: { requireHttps: false, allowNetworks: ["127.0.0.0/8"], timeoutMs: 2000, schedule: ["200ms", "500ms", "1s"], jitter: 0 },
  sources: [${p.sources ?? `{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "${TOKEN}" }] }`}],
  endpoints: [${p.endpoints}],
  ${p.extra ?? ""}
});
`;
const endpoint = (id: string, url: string, extra = "") => `{ id: "${id}", url: "${url}", events: ["*"], secret: "${SECRET}"${extra} }`;

/** The JSON log lines of a running binary with this msg. */
const logs = (running: Running, msg: string) => running.output().split("\n").filter((l) => l.startsWith("{"))
  .map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.msg === msg);

async function sighup(running: Running, before = logs(running, "config reloaded").length + logs(running, "config reload failed: the running config stays").length) {
  running.proc.kill("SIGHUP");
  await waitFor(() => logs(running, "config reloaded").length + logs(running, "config reload failed: the running config stays").length > before, { timeoutMs: 10_000, what: "the reload's log line" });
}

const post = (url: string, body: unknown, token = TOKEN, path = "/v1/events") => fetch(`${url}${path}`, {
  method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body),
});

let a: Receiver;
let b: Receiver;
beforeAll(async () => { a = startReceiver(); b = startReceiver(); await ensureBinary(); });
afterAll(() => { a.stop(); b.stop(); });

describe("reload on SIGHUP (compiled binary)", () => {
  test("an added endpoint gets the next events; a tokens change applies; server changes wait for a restart", async () => {
    const path = writeConfig(config({ endpoints: endpoint("a", a.url) }));
    const running = await startBinary(path);
    try {
      writeFileSync(path, config({
        endpoints: `${endpoint("a", a.url)}, ${endpoint("b", b.url)}`,
        sources: `{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t2", token: "${TOKEN}-new" }] }`,
        admin: `{ name: "ops2", token: "${ADMIN}-new" }`,
        server: `, maxBodyBytes: 4096`,
      }));
      await sighup(running);
      const [line] = logs(running, "config reloaded");
      expect(line!.endpoints).toEqual({ added: ["b"] });
      expect(line!.sources).toEqual({ restarted: ["app"] });
      expect(line!.tokens).toBe(true);
      expect(logs(running, "config reload: these settings need a restart and keep their running values until then")[0]!.keys).toEqual(["server.maxBodyBytes"]);

      // The source's tokens: the old one is refused, the new one accepted; the event reaches the added endpoint.
      expect((await post(running.url, { type: "x", data: {} })).status).toBe(401);
      const accepted = await post(running.url, { type: "x", data: { big: "y".repeat(5000) } }, `${TOKEN}-new`);
      expect(accepted.status).toBe(202); // over the new maxBodyBytes: the running value (1 MiB) stays
      const { id } = await accepted.json() as { id: string };
      await waitFor(() => b.requests.some((r) => r.body.includes(id)) && a.requests.some((r) => r.body.includes(id)), { timeoutMs: 10_000, what: "delivery to both endpoints" });

      // Admin tokens: the old one is refused, the new one admitted.
      const admin = (token: string) => fetch(`${running.url}/api/v1/endpoints`, { headers: { authorization: `Bearer ${token}` } });
      expect((await admin(ADMIN)).status).toBe(401);
      const listed = await admin(`${ADMIN}-new`);
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as { data: { id: string }[] }).data.map((e) => e.id).sort()).toEqual(["a", "b"]);
    } finally {
      expect(await running.stop()).toBe(0);
    }
  });

  test("catalog and delivery defaults apply to the next attempts; an endpoint made through the API is untouched", async () => {
    // Answers after 1.5 s: a 1 s timeout fails every attempt, a 5 s one succeeds.
    const slow = startReceiver(async () => { await Bun.sleep(1_500); return new Response("ok"); });
    const defaults = (timeoutMs: number, extra = "") => config({ endpoints: endpoint("slow", slow.url), extra })
      .replace("timeoutMs: 2000", `timeoutMs: ${timeoutMs}`);
    const path = writeConfig(defaults(1_000));
    const running = await startBinary(path);
    try {
      const made = await fetch(`${running.url}/api/v1/endpoints`, {
        method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: JSON.stringify({ url: b.url, events: ["*"], verify: false }),
      });
      expect(made.status).toBe(201);
      const apiEndpoint = ((await made.json()) as { id: string }).id;
      const sent = (rx: Receiver, id: string) => rx.requests.filter((r) => r.headers["webhook-id"] === id).length;

      const first = ((await (await post(running.url, { type: "y", data: {} })).json()) as { id: string }).id;
      await waitFor(() => sent(slow, first) >= 2, { timeoutMs: 10_000, what: "a retry after the first attempt timed out" });

      writeFileSync(path, defaults(5_000, `events: { "x": { description: "the only type now" } },`));
      await sighup(running);
      expect(logs(running, "config reloaded")[0]).toMatchObject({ catalog: true, delivery: true });
      expect(logs(running, "config reloaded")[0]!.endpoints).toBeUndefined();

      // The catalog: a type not in it is refused now.
      expect((await post(running.url, { type: "y", data: {} })).status).toBe(422);
      const second = ((await (await post(running.url, { type: "x", data: {} })).json()) as { id: string }).id;
      await waitFor(() => sent(slow, second) === 1 && sent(b, second) === 1, { timeoutMs: 10_000, what: "the event at both endpoints" });
      await Bun.sleep(2_500); // a 1 s timeout would have failed it and retried after 200 ms
      expect(sent(slow, second)).toBe(1);

      const listed = await fetch(`${running.url}/api/v1/endpoints/${apiEndpoint}`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as { url: string }).url).toBe(b.url);
    } finally {
      expect(await running.stop()).toBe(0);
      slow.stop();
    }
  });

  test("a changed source option restarts that source only", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-reload-"));
    // A plugin that notes each start and stop with its id and option in a file beside the config.
    writeFileSync(join(dir, "noting.ts"), `import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { definePlugin, v } from "hookgate";
export default definePlugin({
  type: "noting",
  options: v.strictObject({ label: v.string() }),
  create(options, ctx) {
    const note = (what: string) => appendFileSync(join(ctx.settings.configDir, "lifecycle.log"), ctx.id + " " + what + " " + options.label + "\\n");
    return { async start() { note("start"); }, async stop() { note("stop"); } };
  },
});
`);
    const sources = (labelB: string) => `{ type: "http", id: "app", path: "/v1/events", tokens: [{ name: "t", token: "${TOKEN}" }] },
      { type: "plugin", id: "one", module: "./noting.ts", options: { label: "x" } },
      { type: "plugin", id: "two", module: "./noting.ts", options: { label: "${labelB}" } }`;
    const path = writeConfig(config({ endpoints: endpoint("a", a.url), sources: sources("first") }), dir);
    const running = await startBinary(path);
    try {
      const lifecycle = () => readFileSync(join(dir, "lifecycle.log"), "utf8").trim().split("\n");
      await waitFor(() => existsSync(join(dir, "lifecycle.log")) && lifecycle().length === 2, { timeoutMs: 10_000, what: "both plugin sources started" });
      writeFileSync(path, config({ endpoints: endpoint("a", a.url), sources: sources("second") }));
      await sighup(running);
      expect(logs(running, "config reloaded")[0]!.sources).toEqual({ restarted: ["two"] });
      await waitFor(() => lifecycle().length === 4, { timeoutMs: 10_000, what: "two restarted" });
      expect(lifecycle().sort()).toEqual(["one start x", "two start first", "two start second", "two stop first"]);
      expect(lifecycle().slice(2)).toEqual(["two stop first", "two start second"]);
      // The http source kept running: its route still answers.
      expect((await post(running.url, { type: "x", data: {} })).status).toBe(202);
    } finally {
      expect(await running.stop()).toBe(0);
    }
  });

  test("a broken file changes nothing and every problem is logged; a fixed one (and a changed imported module) applies", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-reload-"));
    // The endpoints live in a module the config imports: a reload must read it again too.
    writeFileSync(join(dir, "endpoints.ts"), `export const endpoints = [${endpoint("a", a.url)}];\n`);
    const path = writeConfig(config({ endpoints: "...endpoints" }).replace(`import { defineConfig, v } from "hookgate";`, `import { defineConfig, v } from "hookgate";\nimport { endpoints } from "./endpoints.ts";`), dir);
    const good = readFileSync(path, "utf8");
    const running = await startBinary(path);
    try {
      const failures = () => logs(running, "config reload failed: the running config stays");
      // A syntax error: Bun's message, with the file, line and column.
      writeFileSync(path, good.replace("export default defineConfig({", "export default defineConfig({{"));
      await sighup(running);
      expect(failures()).toHaveLength(1);
      expect(failures()[0]!.problems.join("\n")).toMatch(/webhooks\.config\.ts:3:\d+: Expected/);
      // Schema errors and the later checks: every one, each with its path.
      writeFileSync(path, good.replace(`port: 0`, `port: 0, prot: 1`).replace(`jitter: 0`, `jitter: 2`)
        .replace("...endpoints", `...endpoints, ${endpoint("a", "ftp://nowhere.example")}`));
      await sighup(running);
      expect(failures()).toHaveLength(2);
      const problems = failures()[1]!.problems.join("\n");
      expect(problems).toContain("server.prot:");
      expect(problems).toContain("delivery.jitter:");
      expect(problems).toContain(`endpoints[1].id: "a" is used by another endpoint`);
      // A syntax error in the imported module.
      writeFileSync(path, good);
      writeFileSync(join(dir, "endpoints.ts"), `export const endpoints = [;\n`);
      await sighup(running);
      expect(failures()).toHaveLength(3);
      expect(failures()[2]!.problems.join("\n")).toMatch(/endpoints\.ts:1:\d+: /);
      expect(logs(running, "config reloaded")).toHaveLength(0);

      // Still running on the old config.
      const first = await post(running.url, { type: "x", data: {} });
      expect(first.status).toBe(202);
      const { id: firstId } = await first.json() as { id: string };
      await waitFor(() => a.requests.some((r) => r.body.includes(firstId)), { timeoutMs: 10_000, what: "delivery on the old config" });

      // The module fixed, with a second endpoint: read afresh, not from Bun's cache.
      writeFileSync(join(dir, "endpoints.ts"), `export const endpoints = [${endpoint("a", a.url)}, ${endpoint("b2", b.url)}];\n`);
      await sighup(running);
      expect(logs(running, "config reloaded")[0]!.endpoints).toEqual({ added: ["b2"] });
      const second = await post(running.url, { type: "x", data: {} });
      const { id } = await second.json() as { id: string };
      await waitFor(() => b.requests.some((r) => r.body.includes(id)), { timeoutMs: 10_000, what: "delivery to the endpoint the module added" });
      expect(running.proc.exitCode).toBeNull();
    } finally {
      expect(await running.stop()).toBe(0);
    }
  });

  test("hookgate reload signals the serve named by the pid file beside the store; a stale one is a clear error", async () => {
    const path = writeConfig(config({ endpoints: endpoint("a", a.url) }));
    const pidFile = join(path, "..", "data", "hookgate.pid");
    const running = await startBinary(path);
    try {
      expect(readFileSync(pidFile, "utf8").trim()).toBe(String(running.proc.pid));
      writeFileSync(path, config({ endpoints: `${endpoint("a", a.url)}, ${endpoint("c", b.url)}` }));
      const sent = await runBinary(["reload", "--config", path]);
      expect(sent.code).toBe(0);
      expect(sent.stdout).toContain(`pid ${running.proc.pid}`);
      await waitFor(() => logs(running, "config reloaded").length === 1, { timeoutMs: 10_000, what: "the reload" });
      expect(logs(running, "config reloaded")[0]!.endpoints).toEqual({ added: ["c"] });
      // A file that fails check is not worth a signal: the command says why and sends nothing.
      writeFileSync(path, config({ endpoints: endpoint("c", "not a url") }));
      const refused = await runBinary(["reload", "--config", path]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("endpoints[0].url:");
      expect(refused.stderr).toContain("no reload was sent");
      await Bun.sleep(200); // a fixed wait: no second SIGHUP may arrive within it
      expect(logs(running, "SIGHUP: reloading the config")).toHaveLength(1);
      writeFileSync(path, config({ endpoints: endpoint("a", a.url) }));
    } finally {
      expect(await running.stop()).toBe(0);
    }
    expect(existsSync(pidFile)).toBe(false);
    const none = await runBinary(["reload", "--config", path]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`no pid file at ${pidFile}`);
    // A pid file left by a process that is gone (kill -9): stale, and nothing is signalled.
    const dead = Bun.spawn(["true"]);
    await dead.exited;
    writeFileSync(pidFile, `${dead.pid}\n`);
    const stale = await runBinary(["reload", "--config", path]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`names process ${dead.pid}, which is not running`);
  });
});
