/**
 * The types of the "hookgate" module as one self-contained `.d.ts` (`hookgate init` / `hookgate types`).
 * Run as a Bun macro by src/cli/module-types.ts, so the build embeds the text made from the very sources it
 * compiles. tsc emits the declarations of src/public.ts and the files it reaches; each becomes an ambient
 * `declare module "hookgate/internal/…"` block, and valibot's own declarations become `declare module "valibot"`,
 * so an editor needs no node_modules.
 */
import ts from "typescript";
import { dirname, join, relative, resolve } from "node:path";
import { readFileSync } from "node:fs";

const ROOT = resolve(import.meta.dir, "..");
const OUT = "/hookgate-dts";

export function moduleTypes(): string {
  const emitted = new Map<string, string>();
  const program = ts.createProgram([join(ROOT, "src/public.ts")], {
    declaration: true, emitDeclarationOnly: true, noEmit: false, strict: true, skipLibCheck: true,
    target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.Preserve, moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true, types: ["bun"], outDir: OUT, rootDir: ROOT,
  });
  const result = program.emit(undefined, (file, text) => emitted.set(file, text));
  if (result.emitSkipped || result.diagnostics.length) {
    throw new Error(`declarations of src/public.ts: ${result.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ")}`);
  }
  const blocks: string[] = [];
  for (const [file, text] of emitted) {
    const name = file === join(OUT, "src/public.d.ts") ? "hookgate" : internalName(file);
    blocks.push(ambient(name, rewriteImports(text, dirname(file))));
  }
  const valibot = readFileSync(join(ROOT, "node_modules/valibot/dist/index.d.mts"), "utf8");
  const version = JSON.parse(readFileSync(join(ROOT, "node_modules/valibot/package.json"), "utf8")).version;
  blocks.push(`// valibot ${version} (MIT), re-exported as "v" by "hookgate"\n${ambient("valibot", valibot)}`);
  const own = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
  return `// Types of the "hookgate" module of hookgate ${own}, generated from its sources: do not edit.\n` +
    `// Listed in tsconfig.json ("include"); \`hookgate types\` prints this file again.\n\n${blocks.join("\n\n")}\n`;
}

function internalName(file: string): string {
  return `hookgate/internal/${relative(OUT, file).replace(/\.d\.ts$/, "")}`;
}

/** Relative specifiers (not allowed in an ambient module) become the internal module names. */
function rewriteImports(text: string, dir: string): string {
  return text.replace(/(from\s+|import\()"(\.{1,2}\/[^"]+)"/g, (_, lead: string, spec: string) => {
    const target = resolve(dir, spec).replace(/\.(ts|js)$/, "") + ".d.ts";
    return `${lead}"${internalName(target)}"`;
  });
}

/** Wraps a declaration file in `declare module`: its top-level `declare` keywords go (already ambient). */
function ambient(name: string, text: string): string {
  const body = text
    .replace(/^\/\/# sourceMappingURL=.*$/gm, "")
    .replace(/^(export\s+)?declare\s+/gm, (_, exp: string | undefined) => exp ?? "")
    .replace(/^export\s+\{\s*\};?\s*$/gm, "");
  return `declare module "${name}" {\n${body.trimEnd()}\n}`;
}
