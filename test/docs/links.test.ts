import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");

/** The markdown files whose links must work: README.md and everything under docs/. */
function markdownFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".md") ? [join(dir, e.name)] : []);
  return [join(root, "README.md"), ...(existsSync(join(root, "docs")) ? walk(join(root, "docs")) : [])];
}

/** The text outside fenced code blocks: a `# comment` in a shell block is no heading, `a[0](x)` no link. */
function prose(markdown: string): string {
  return markdown.replace(/^ {0,3}(```|~~~)[^\n]*\n[\s\S]*?^ {0,3}\1[^\n]*$/gm, "");
}

/** A heading's anchor as GitHub makes it: the rendered text, lower case, punctuation dropped, each space a hyphen. */
export function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[`*]/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor of a markdown file; a repeated heading gets -1, -2, … as on GitHub. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, text] of prose(markdown).matchAll(/^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = slug(text!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Relative link targets of a markdown file: inline links and images, and reference definitions. */
function targets(markdown: string): string[] {
  const text = prose(markdown).replace(/`[^`\n]*`/g, "");
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const defs = [...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!);
  return [...inline, ...defs].filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** "file: target (why)" for each relative link or #anchor in the files that does not resolve. */
export function brokenLinks(files: string[], root: string): string[] {
  const problems: string[] = [];
  for (const file of files) {
    for (const target of targets(readFileSync(file, "utf8"))) {
      const hash = target.indexOf("#");
      const path = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
      const anchor = hash < 0 ? null : decodeURIComponent(target.slice(hash + 1));
      const dest = path === "" ? file : resolve(dirname(file), path);
      const where = `${relative(root, file)}: ${target}`;
      if (!existsSync(dest)) { problems.push(`${where} (no file ${relative(root, dest)})`); continue; }
      if (anchor === null) continue;
      if (!dest.endsWith(".md") || statSync(dest).isDirectory()) {
        if (!/^L\d+(-L\d+)?$/.test(anchor)) problems.push(`${where} (an anchor into a file that is not markdown)`);
        continue;
      }
      if (!anchors(readFileSync(dest, "utf8")).has(anchor)) problems.push(`${where} (no heading #${anchor} in ${relative(root, dest)})`);
    }
  }
  return problems;
}

describe("links in README.md and docs/", () => {
  test("every relative link and #anchor resolves", () => {
    const files = markdownFiles(ROOT);
    expect(files.length).toBeGreaterThan(1);
    expect(brokenLinks(files, ROOT)).toEqual([]);
  });

  test("every docs/ page starts with a summary that links back to the README", () => {
    const pages = markdownFiles(ROOT).filter((f) => f.includes(`${join(ROOT, "docs")}/`));
    const missing = pages.filter((page) => {
      const [title, , summary] = readFileSync(page, "utf8").split("\n");
      return !title?.startsWith("# ") || !/\]\((\.\.\/)+README\.md\)/.test(summary ?? "");
    });
    expect(missing.map((p) => relative(ROOT, p))).toEqual([]);
  });
});

describe("the link check itself", () => {
  test.each([
    ["Production: the binary", "production-the-binary"],
    ["Ingest (the `http` source)", "ingest-the-http-source"],
    ["Choices where DESIGN.md is silent", "choices-where-designmd-is-silent"],
    ["Serving your customers (tenants)", "serving-your-customers-tenants"],
    ["A [linked](x.md) **bold** word", "a-linked-bold-word"],
    ["snake_case and  two spaces", "snake_case-and--two-spaces"],
  ])("slug(%p) is %p", (heading, expected) => {
    expect(slug(heading)).toBe(expected);
  });

  test("repeated headings get -1, -2; headings in code blocks are none", () => {
    expect([...anchors("# A\n## Choices\n```sh\n# not a heading\n```\n### Choices\n## Choices\n")])
      .toEqual(["a", "choices", "choices-1", "choices-2"]);
  });

  test("finds a missing file, a missing anchor and a missing anchor in another file, and nothing else", () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-links-"));
    try {
      mkdirSync(join(dir, "docs"));
      writeFileSync(join(dir, "docs/page.md"), "# Page\n\n## Real part\n");
      writeFileSync(join(dir, "README.md"), [
        "# Top", "",
        "[ok](docs/page.md) [ok](docs/page.md#real-part) [ok](#top) [ok](https://example.com/x#y) ![ok](docs)",
        "`[not a link](nowhere.md)`", "```md", "[not a link](nowhere.md)", "```",
        "[gone](docs/missing.md) [bad](docs/page.md#fake-part) [bad](#nope)", "",
        "[ref]: docs/also-missing.md",
      ].join("\n"));
      expect(brokenLinks(markdownFiles(dir), dir)).toEqual([
        "README.md: docs/missing.md (no file docs/missing.md)",
        "README.md: docs/page.md#fake-part (no heading #fake-part in docs/page.md)",
        "README.md: #nope (no heading #nope in README.md)",
        "README.md: docs/also-missing.md (no file docs/also-missing.md)",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
