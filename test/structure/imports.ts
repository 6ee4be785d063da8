// Reads the relative imports of every file under src/ (static `import`/`export … from`).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

export type ImportEdge = {
  file: string; // src-relative, e.g. core/ingest.ts
  target: string; // src-relative, e.g. store/types.ts
  fromFolder: string;
  toFolder: string;
  typeOnly: boolean;
  line: string;
};

const IMPORT = /^\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s+["'](\.{1,2}\/[^"']+)["']/gm;

function folderOf(path: string): string {
  const first = path.split("/")[0]!;
  return path.includes("/") ? first : first.replace(/\.tsx?$/, "");
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

export function importsIn(root: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const path of filesUnder(root)) {
    const file = relative(root, path);
    for (const match of readFileSync(path, "utf8").matchAll(IMPORT)) {
      const target = normalize(join(dirname(file), match[4]!));
      // `import { type A, type B }` is type-only too.
      const names = match[3]!.replace(/^\{|\}$/g, "").split(",").map((n) => n.trim()).filter(Boolean);
      const typeOnly = match[2] !== undefined || (names.length > 0 && names.every((n) => n.startsWith("type ")));
      edges.push({
        file, target, fromFolder: folderOf(file), toFolder: folderOf(target), typeOnly,
        line: match[0].trim().replace(/\s+/g, " "),
      });
    }
  }
  return edges;
}
