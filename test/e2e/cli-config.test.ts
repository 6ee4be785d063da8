import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ensureBinary, runBinary, writeConfig } from "../support/binary.ts";

// The compiled binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);
beforeAll(() => ensureBinary());

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const check = (path: string, env: Record<string, string> = {}) => runBinary(["check", "--config", path], env);
/** The `  path: message` lines of a failed check. */
const problems = (stderr: string) => stderr.split("\n").filter((l) => /^  \S/.test(l)).map((l) => l.trim());

describe("hookgate check: every problem of a file in one run", () => {
  test("every unset variable, at the path it was meant for", async () => {
    const path = writeConfig(`import { defineConfig, env } from "hookgate";
export default defineConfig({
  admin: { tokens: [{ name: "ops", token: env("CLI_T_ADMIN") }] },
  sources: [{ type: "http", id: "app", path: "/e", tokens: [{ name: "t", token: env("CLI_T_INGEST"), events: ["*"] }] }],
  endpoints: [{ id: "crm", url: env("CLI_T_URL"), events: ["*"], secret: env("CLI_T_SECRET") }],
  server: { port: Number(env("CLI_T_PORT")) },
});
`);
    const { code, stderr } = await check(path);
    expect(code).toBe(1);
    const found = problems(stderr);
    for (const [at, name] of [["admin.tokens[0].token", "CLI_T_ADMIN"], ["sources[0].tokens[0].token", "CLI_T_INGEST"], ["endpoints[0].url", "CLI_T_URL"], ["endpoints[0].secret", "CLI_T_SECRET"], ["(env)", "CLI_T_PORT"]]) {
      expect(found).toContain(`${at}: env("${name}") is not set: export ${name}=... before starting hookgate, or pass a default as env("${name}", "...")`);
    }
    // A placeholder never shows up as a complaint about its value (a URL, a short token, a secret's format);
    // only what the config made of one (Number(...) is NaN) may.
    expect(found.filter((p) => !p.includes("is not set") && !p.startsWith("server.port:"))).toEqual([]);
    // Set them, and the same file passes.
    const env = { CLI_T_ADMIN: "admin-token-0123456789", CLI_T_INGEST: "ingest-token-0123456789", CLI_T_URL: "https://example.com/hooks", CLI_T_SECRET: SECRET, CLI_T_PORT: "8080" };
    const ok = await check(path, env);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
  });

  test("schema problems and the later checks (duplicate ids, URLs, secrets, catalog) together", async () => {
    const path = writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({
  server: { prot: 8080 },
  events: { "job.done": {} },
  endpoints: [
    { id: "a", url: "http://example.com/hooks", events: ["job.done"], secret: "${SECRET}" },
    { id: "a", url: "https://example.com/hooks", events: ["job.nope"], secret: "whsec_short" },
    { id: "b", url: "https://example.com/hooks", events: ["*"], secret: "${SECRET}", colour: "red" },
  ],
});
`);
    const { code, stderr } = await check(path);
    expect(code).toBe(1);
    expect(problems(stderr)).toEqual([
      "server.prot: unknown key (remove it, or check its spelling)",
      "endpoints[2].colour: unknown key (remove it, or check its spelling)",
      "endpoints[0].url: must be https (set delivery.requireHttps: false to allow http)",
      'endpoints[1].id: "a" is used by another endpoint: ids must be unique',
      expect.stringMatching(/^endpoints\[1\]\.secret: /),
      'endpoints[1].events[0]: unknown event type "job.nope" (list it in events, or use a "prefix.*" pattern)',
    ]);
  });

  test("an endpoint with an unknown key still gets the later checks: its duplicate id, URL, secret and event type are named too", async () => {
    const path = writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({
  events: { "job.done": {} },
  endpoints: [
    { id: "a", url: "https://example.com/hooks", events: ["job.done"], secret: "${SECRET}" },
    { id: "a", url: "https://169.254.169.254/latest/meta-data", events: ["job.nope"], secret: "whsec_short", colour: "red" },
  ],
});
`);
    const { code, stderr } = await check(path);
    expect(code).toBe(1);
    expect(problems(stderr)).toEqual([
      "endpoints[1].colour: unknown key (remove it, or check its spelling)",
      'endpoints[1].id: "a" is used by another endpoint: ids must be unique',
      expect.stringMatching(/^endpoints\[1\]\.url: .*link-local/),
      expect.stringMatching(/^endpoints\[1\]\.secret: /),
      'endpoints[1].events[0]: unknown event type "job.nope" (list it in events, or use a "prefix.*" pattern)',
    ]);
  });

  test("two tokens with one name in an http source: the second is named, with the fix", async () => {
    const path = writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({
  sources: [{ type: "http", id: "app", tokens: [
    { name: "cust", token: "acme-token-0123456789", tenant: "acme" },
    { name: "cust", token: "beta-token-0123456789", tenant: "beta" },
  ] }],
});
`);
    const { code, stderr } = await check(path);
    expect(code).toBe(1);
    expect(problems(stderr)).toEqual([expect.stringMatching(/^sources\[0\]\.tokens\[1\]\.name: "cust" is already used by tokens\[0\]: .*rename one/)]);
  });

  test("a config that names tenants without server.publicUrl passes with a warning on stderr; with publicUrl, none", async () => {
    const config = (server: string) => writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({
  server: { port: 0${server} },
  delivery: { requireHttps: false },
  endpoints: [{ id: "acme", tenant: "acme", url: "http://example.com/hooks", events: ["*"], signing: { scheme: "none" } }],
});
`);
    const bare = await check(config(""));
    expect(bare.code).toBe(0);
    expect(bare.stderr).toMatch(/^warning: tenants are in use without server\.publicUrl: .*Host header.*set server: \{ publicUrl:/m);
    const set = await check(config(`, publicUrl: "https://hooks.example.com"`));
    expect(set.code).toBe(0);
    expect(set.stderr).toBe("");
  });

  test("a delivery key that fails keeps the others: no https complaint under requireHttps: false, a bad CIDR still named", async () => {
    const path = writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({
  delivery: { jitter: 2, requireHttps: false, allowNetworks: ["10.0.0.0/99"] },
  endpoints: [{ id: "a", url: "http://example.com/hooks", events: ["*"], secret: "${SECRET}" }],
});
`);
    const { code, stderr } = await check(path);
    expect(code).toBe(1);
    expect(problems(stderr)).toEqual([
      expect.stringMatching(/^delivery\.jitter: /),
      expect.stringMatching(/^delivery\.allowNetworks\[0\]: .*prefix length/),
    ]);
  });

  test("a syntax error shows Bun's message with the line and column", async () => {
    const path = writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({
  server: { port: 8080
  store: {},
});
`);
    const { code, stderr } = await check(path);
    expect(code).toBe(1);
    expect(stderr).toContain(`webhooks.config.ts:4:3: Expected "}" but found "store"`);
    expect(stderr).toContain("\n      store: {},\n      ^\n");
    expect(stderr).not.toContain("errors building");
  });

  test("a plugin file with a syntax error names it at sources[i].module with its line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-cli-"));
    writeFileSync(join(dir, "broken.ts"), "export default {\n  type: 'x',,\n};\n");
    const path = writeConfig(`import { defineConfig } from "hookgate";
export default defineConfig({ sources: [{ type: "plugin", id: "p", module: "./broken.ts" }] });
`, dir);
    const { code, stderr } = await check(path);
    expect(code).toBe(1);
    expect(stderr).toMatch(/sources\[0\]\.module: \S*broken\.ts:2:\d+: /);
  });
});

describe("hookgate check: the store's folder", () => {
  const config = (sqlite: string) => `import { defineConfig } from "hookgate";
export default defineConfig({ store: { sqlite: ${JSON.stringify(sqlite)} } });
`;

  test("a folder that can be created passes (nothing is created by check)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-cli-"));
    const { code, stderr } = await check(writeConfig(config(join(dir, "a/b/hookgate.db"))));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  // As root, chmod stops no write: a path through a regular file fails for every user, as serve would.
  test("a store path that cannot be created names store.sqlite and the fix, for root too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-cli-"));
    writeFileSync(join(dir, "data"), "a file, not a folder");
    const { code, stderr } = await check(writeConfig(config("./data/hookgate.db"), dir));
    expect(code).toBe(1);
    expect(problems(stderr)).toEqual([
      `store.sqlite: cannot create ${join(dir, "data/hookgate.db")}: ${join(dir, "data")} is not a folder — point store.sqlite at a folder the hookgate user can write (under the systemd unit: /var/lib/hookgate, made by StateDirectory=hookgate)`,
    ]);
  });

  test("a read-only folder fails check for a user who cannot write it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-cli-"));
    mkdirSync(join(dir, "ro"));
    chmodSync(join(dir, "ro"), 0o555);
    chmodSync(dir, 0o755);
    const path = writeConfig(config(join(dir, "ro/hookgate.db")), dir);
    // Run as nobody where this runs as root (chmod binds every other user), else as this user. nobody may not
    // reach the checkout (CI clones under root's folders): it runs a copy of the binary from the temp folder.
    const asNobody = process.getuid?.() === 0;
    let run = null;
    if (asNobody) {
      const binary = join(dir, "hookgate");
      copyFileSync(BINARY, binary);
      chmodSync(binary, 0o755);
      run = Bun.spawnSync(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", binary, "check", "--config", path], { stdout: "pipe", stderr: "pipe" });
      rmSync(binary);
    }
    const { code, stderr } = run ? { code: run.exitCode, stderr: run.stderr.toString() } : await check(path);
    expect(code).toBe(1);
    expect(stderr).toContain(`store.sqlite: cannot create ${join(dir, "ro/hookgate.db")}: ${join(dir, "ro")} is not writable by this user`);
  });
});
