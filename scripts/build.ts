/**
 * `bun run build`: the single binary dist/hookgate, minified with bytecode for a fast start. The bundle runs the
 * macro of src/cli/module-types.ts, which embeds the "hookgate" module's .d.ts made from these sources.
 */
import { $ } from "bun";

const outfile = process.env.HOOKGATE_OUT ?? "dist/hookgate";
await $`bun build --compile --minify --sourcemap=none --bytecode --format=esm src/cli.ts --outfile ${outfile}`.quiet();
const size = (await Bun.file(outfile).stat()).size;
console.log(`wrote ${outfile} (${(size / 1024 / 1024).toFixed(1)} MiB)`);
