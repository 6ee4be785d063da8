import * as publicApi from "../public.ts";

let registered = false;

/**
 * Makes `import { defineConfig, env, v } from "hookgate"` resolve in config and plugin files, both from
 * source and inside the compiled binary, so a VM needs no node_modules.
 */
export function registerHookgateModule(): void {
  if (registered) return;
  registered = true;
  Bun.plugin({
    name: "hookgate-module",
    setup(build) {
      build.module("hookgate", () => ({ exports: { ...publicApi }, loader: "object" }));
    },
  });
}
