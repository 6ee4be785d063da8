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
