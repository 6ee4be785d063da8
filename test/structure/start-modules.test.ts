/**
 * What a start evaluates (P5): the admin app (Elysia, the admin API, /docs, /portal, /metrics) is imported on the first
 * request for it (app/http.ts), so no module the CLI imports statically reaches Elysia. Read from the bundler's own
 * graph of src/cli.ts, the graph the compiled binary is built from.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";

type Graph = Record<string, { imports: { path: string; kind: string }[] }>;

test("a start evaluates no Elysia module: the admin app is a dynamic import, reached from app/http.ts alone", async () => {
  const built = await Bun.build({ entrypoints: [join(import.meta.dir, "../../src/cli.ts")], target: "bun", metafile: true } as Bun.BuildConfig & { metafile: true });
  expect(built.success).toBe(true);
  const inputs = (built as unknown as { metafile: { inputs: Graph } }).metafile.inputs;
  const statically = new Set<string>();
  const walk = (path: string) => {
    if (statically.has(path)) return;
    statically.add(path);
    for (const i of inputs[path]?.imports ?? []) if (i.kind === "import-statement" || i.kind === "require-call") walk(i.path);
  };
  walk("src/cli.ts");
  expect(statically.size).toBeGreaterThan(100); // the walk follows the graph (the whole start path is in it)
  expect(statically.has("src/app/http.ts")).toBe(true);
  expect([...statically].filter((p) => p.includes("node_modules/elysia/") || p.includes("node_modules/@elysiajs/"))).toEqual([]);
  for (const module of ["src/http/admin-app.ts", "src/http/admin/index.ts", "src/http/docs.ts", "src/http/portal.ts", "src/http/metrics.ts", "src/http/admin-auth.ts"]) {
    expect(statically.has(module)).toBe(false);
  }
  const dynamic = Object.entries(inputs).flatMap(([from, i]) => i.imports.filter((x) => x.kind === "dynamic-import" && x.path === "src/http/admin-app.ts").map(() => from));
  expect(dynamic).toEqual(["src/app/http.ts"]);
}, 60_000);
