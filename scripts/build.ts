/**
 * `bun run build`: the single binary dist/hookgate, minified with bytecode for a fast start. The bundle runs the
 * macro of src/cli/module-types.ts, which embeds the "hookgate" module's .d.ts made from these sources. The commit
 * (`-dirty` with uncommitted changes, `unknown` outside git) and the build time go in as constants for
 * `hookgate version` (src/version.ts).
 */
import { $ } from "bun";

const outfile = process.env.HOOKGATE_OUT ?? "dist/hookgate";
const head = await $`git rev-parse --short=12 HEAD`.quiet().nothrow();
const dirty = head.exitCode === 0 && (await $`git status --porcelain --untracked-files=no`.quiet().nothrow()).stdout.toString().trim() !== "";
const commit = head.exitCode === 0 ? `${head.stdout.toString().trim()}${dirty ? "-dirty" : ""}` : "unknown";
const defines = ["--define", `HOOKGATE_COMMIT:${JSON.stringify(commit)}`, "--define", `HOOKGATE_BUILT_AT:${JSON.stringify(new Date().toISOString())}`];
await $`bun build --compile --minify --sourcemap=none --bytecode --format=esm ${defines} src/cli.ts --outfile ${outfile}`.quiet();
const size = (await Bun.file(outfile).stat()).size;
console.log(`wrote ${outfile} (${(size / 1024 / 1024).toFixed(1)} MiB, ${commit})`);
