import { resolveConfigPath, loadConfig } from "../config/load.ts";
import { builtinPlugins } from "../../plugins/index.ts";

/**
 * `hookgate health`: exit 0 when the gateway's /readyz answers 200, else 1 with the reason (a container
 * HEALTHCHECK). Without --url the address comes from the config's `server` (0.0.0.0 is asked on loopback).
 */
export async function health(url: string | undefined, configFlag: string | undefined): Promise<number> {
  const base = url ?? await serverUrl(configFlag);
  if (!base) return 1;
  let target: URL;
  try {
    target = new URL(base);
  } catch {
    process.stderr.write(`hookgate health: --url ${base} is not a URL (e.g. http://127.0.0.1:8080)\n`);
    return 2;
  }
  if (target.pathname === "/" || target.pathname === "") target.pathname = "/readyz";
  try {
    const response = await fetch(target, { signal: AbortSignal.timeout(5_000), redirect: "manual" });
    const body = await response.text();
    if (response.status === 200) {
      console.log(`ready (${target.href})`);
      return 0;
    }
    process.stderr.write(`hookgate health: ${target.href} answered ${response.status}: ${detailOf(body)}\n`);
  } catch (e) {
    process.stderr.write(`hookgate health: ${target.href}: ${(e as Error).message}\n`);
  }
  return 1;
}

async function serverUrl(configFlag: string | undefined): Promise<string | null> {
  const path = resolveConfigPath(configFlag);
  const result = await loadConfig(path, builtinPlugins);
  if (!result.ok) {
    process.stderr.write(`hookgate health: cannot read the server address from ${path} (${result.problems.length} problem(s); see hookgate check), or pass --url\n`);
    return null;
  }
  const { host, port } = result.loaded.config.server;
  if (port === 0) {
    process.stderr.write(`hookgate health: server.port is 0 (a random port) in ${path}: pass --url\n`);
    return null;
  }
  const name = host === "0.0.0.0" || host === "" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

function detailOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { detail?: string };
    return parsed.detail ?? body.slice(0, 200);
  } catch {
    return body.slice(0, 200);
  }
}
