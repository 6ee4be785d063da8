// Prints the import graph between src/ folders: one line per folder pair, with the edge count.
// Usage: bun scripts/import-graph.ts
import { importsIn } from "../test/structure/imports.ts";

const counts = new Map<string, number>();
for (const edge of importsIn("src")) {
  if (edge.fromFolder === edge.toFolder) continue;
  const key = `${edge.fromFolder} -> ${edge.toFolder}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
for (const [pair, n] of [...counts].sort()) console.log(`${pair.padEnd(28)} ${n}`);
