import { beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinary, ROOT, runBinary } from "../support/binary.ts";
import { moduleTypes } from "../../scripts/module-types.ts";

// The compiled binary and tsc on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(60_000);
beforeAll(() => ensureBinary());

const COMMANDS = ["serve", "check", "reload", "migrate", "backup", "pg-setup", "init", "types", "health", "version"];
const tempDir = () => mkdtempSync(join(tmpdir(), "hookgate-cli-"));

describe("usage and --help", () => {
  test.each([["--help"], ["-h"], ["help"]])("hookgate %s: one line per command, exit 0", async (flag) => {
    const { code, stdout } = await runBinary([flag]);
    expect(code).toBe(0);
    for (const name of COMMANDS) expect(stdout.split("\n").filter((l) => l.trimStart().startsWith(`hookgate ${name} `) || l.trim() === `hookgate ${name}`)).toHaveLength(1);
  });

  test.each(COMMANDS)("hookgate %s --help: its usage and options, exit 0", async (name) => {
    const { code, stdout, stderr } = await runBinary([name, "--help"]);
    expect(code).toBe(0);
    expect(stdout).toStartWith(`usage: hookgate ${name}`);
    expect(stdout).toContain("--help");
    expect(stderr).toBe("");
  });

  test("an unknown command or argument: the usage on stderr, exit 2", async () => {
    const command = await runBinary(["serv"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command serv");
    expect(command.stderr).toContain("hookgate serve [--config PATH]");
    const argument = await runBinary(["check", "--cofig", "x.ts"]);
    expect(argument.code).toBe(2);
    expect(argument.stderr).toContain("unknown argument --cofig");
    expect(argument.stderr).toContain("usage: hookgate check [--config PATH]");
    expect((await runBinary(["types", "extra"])).code).toBe(2);
    expect((await runBinary(["check", "--config"])).code).toBe(2);
  });
});

describe("init and types", () => {
  const tsc = (dir: string) => Bun.spawnSync([join(ROOT, "node_modules/.bin/tsc"), "--noEmit", "-p", dir], { stdout: "pipe", stderr: "pipe" });

  test("init writes only the starter files; tsc type-checks the config there with no node_modules, and fails on a misspelled key", async () => {
    const dir = tempDir();
    const { code, stdout } = await runBinary(["init", dir]);
    expect(code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["hookgate.d.ts", "tsconfig.json", "webhooks.config.ts"]);
    expect(stdout).toContain(`wrote ${join(dir, "hookgate.d.ts")}`);
    const good = tsc(dir);
    expect(good.stdout.toString() + good.stderr.toString()).toBe("");
    expect(good.exitCode).toBe(0);

    const config = join(dir, "webhooks.config.ts");
    writeFileSync(config, readFileSync(config, "utf8").replace("retention:", "retension:"));
    const bad = tsc(dir);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stdout.toString()).toContain("'retension' does not exist");
  });

  test("the starter config passes check once its variables are set", async () => {
    const dir = tempDir();
    await runBinary(["init", dir]);
    const config = join(dir, "webhooks.config.ts");
    writeFileSync(config, readFileSync(config, "utf8").replace("/var/lib/hookgate/hookgate.db", join(dir, "data/hookgate.db")));
    const env = { HOOKGATE_ADMIN_TOKEN: "admin-token-0123456789", HOOKGATE_INGEST_TOKEN: "ingest-token-0123456789" };
    const { code, stdout, stderr } = await runBinary(["check", "--config", config], env);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("OK");
  });

  test("init never overwrites and says which files it skipped; types prints the same .d.ts", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "webhooks.config.ts"), "// mine\n");
    const first = await runBinary(["init", dir]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`skipped ${join(dir, "webhooks.config.ts")}`);
    expect(readFileSync(join(dir, "webhooks.config.ts"), "utf8")).toBe("// mine\n");
    const again = await runBinary(["init", dir]);
    expect(again.stdout.match(/^skipped /gm)).toHaveLength(3);
    const types = await runBinary(["types"]);
    expect(types.code).toBe(0);
    expect(types.stdout).toBe(readFileSync(join(dir, "hookgate.d.ts"), "utf8"));
    expect(types.stdout).toContain('declare module "hookgate" {');
    expect(types.stdout).toContain('declare module "valibot" {');
    expect(existsSync(join(dir, "node_modules"))).toBe(false);
  });

  test("the embedded .d.ts is the one the sources make now (generated at build time, never by hand)", async () => {
    const types = await runBinary(["types"]);
    expect(types.stdout).toBe(moduleTypes());
    // It carries what a config needs: defineConfig's input type and the v namespace.
    expect(types.stdout).toContain("export function defineConfig(config: ConfigInput): ConfigInput;");
    expect(types.stdout).toContain('export * as v from "valibot";');
  });
});
