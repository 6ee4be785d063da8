import { beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ensureBinary, ROOT } from "../support/binary.ts";

setDefaultTimeout(60_000);
const UNIT = readFileSync(join(ROOT, "config/hookgate.service"), "utf8");
const analyze = Bun.which("systemd-analyze");
beforeAll(() => ensureBinary());

test("the systemd unit owns /var/lib/hookgate through StateDirectory and runs as the hookgate user", () => {
  expect(UNIT).toMatch(/^User=hookgate$/m);
  expect(UNIT).toMatch(/^StateDirectory=hookgate$/m);
  expect(UNIT).toMatch(/^ProtectSystem=strict$/m);
  expect(UNIT).toContain("useradd --system");
});

// Needs systemd's own tool: .ci/run installs it, so with CI set this runs (and fails where the tool is missing).
test.skipIf(!analyze && !process.env.CI)("systemd-analyze verify passes on the unit without a warning", () => {
  if (!analyze) throw new Error("systemd-analyze is missing: install the systemd package (.ci/run does)");
  // verify checks that the commands exist: point them at the binary just built.
  const dir = mkdtempSync(join(tmpdir(), "hookgate-unit-"));
  const unit = join(dir, "hookgate.service");
  writeFileSync(unit, UNIT.replaceAll("/usr/local/bin/hookgate", BINARY));
  const run = Bun.spawnSync([analyze!, "verify", unit], { stdout: "pipe", stderr: "pipe" });
  expect(run.stderr.toString() + run.stdout.toString()).toBe("");
  expect(run.exitCode).toBe(0);
});

// `--offline=true` (systemd 250 and later) scores the file itself, with no systemd running.
test.skipIf(!analyze && !process.env.CI)("systemd-analyze security scores the unit OK (at most 4 of 10), and it can still write its state folder and reach the network", () => {
  if (!analyze) throw new Error("systemd-analyze is missing: install the systemd package (.ci/run does)");
  const dir = mkdtempSync(join(tmpdir(), "hookgate-unit-"));
  const unit = join(dir, "hookgate.service");
  writeFileSync(unit, UNIT.replaceAll("/usr/local/bin/hookgate", BINARY));
  const run = Bun.spawnSync([analyze!, "security", "--offline=true", "--no-pager", unit], { stdout: "pipe", stderr: "pipe" });
  const output = run.stdout.toString() + run.stderr.toString();
  const score = /Overall exposure level for hookgate\.service: ([\d.]+)/.exec(output)?.[1];
  if (!score) throw new Error(`no overall exposure level in:\n${output}`);
  expect(Number(score)).toBeLessThanOrEqual(4);
  // What the sandbox must leave: the store's folder writable, IPv4/IPv6 sockets, no PrivateNetwork; port 8080 needs no capability.
  expect(UNIT).toMatch(/^ReadWritePaths=\/var\/lib\/hookgate$/m);
  expect(UNIT).toMatch(/^RestrictAddressFamilies=.*AF_INET .*AF_INET6/m);
  expect(UNIT).not.toMatch(/^PrivateNetwork=(true|yes)/m);
  expect(UNIT).not.toMatch(/^MemoryDenyWriteExecute=(true|yes)/m); // Bun's JIT needs writable, executable memory
});

test("the Dockerfile checks health through the binary it copies, stops with SIGTERM, and the context leaves out data and keys", async () => {
  const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
  const copied = /^COPY --from=build \S+ (\S+)$/m.exec(dockerfile)?.[1];
  expect(copied).toBe("/usr/local/bin/hookgate");
  expect(dockerfile).toContain(`HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 CMD ["${copied}", "health"]`);
  expect(dockerfile).toMatch(/^STOPSIGNAL SIGTERM$/m);
  expect(dockerfile).toContain("--stop-timeout");
  // The command the HEALTHCHECK runs exists and takes no argument it does not know.
  const help = Bun.spawnSync([BINARY, "health", "--help"], { stdout: "pipe" });
  expect(help.exitCode).toBe(0);
  const ignored = readFileSync(join(ROOT, ".dockerignore"), "utf8").split("\n").map((l) => l.trim());
  for (const pattern of ["node_modules", "data", "*.db", "master.key", "dist", ".git"]) expect(ignored).toContain(pattern);
});
