import type * as v from "valibot";

export interface Problem {
  path: string;
  message: string;
}

/** `["endpoints", 2, "url"]` → `endpoints[2].url`, the way users read paths in their config. */
export function formatPath(parts: readonly (string | number)[]): string {
  let out = "";
  for (const part of parts) {
    if (typeof part === "number" || /^\d+$/.test(String(part))) out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out || "(root)";
}

/** Valibot issues as `path: message`, with the unknown-key and type messages made readable. */
export function toProblems(issues: readonly v.BaseIssue<unknown>[], prefix: (string | number)[] = []): Problem[] {
  return issues.map((issue) => {
    const parts = [...prefix, ...(issue.path ?? []).map((p) => p.key as string | number)];
    let message = issue.message;
    if (issue.kind === "schema" && issue.type === "strict_object" && issue.expected === "never") {
      message = `unknown key (remove it, or check its spelling)`;
    } else if (issue.kind === "schema" && /^Invalid (type|key)/.test(message)) {
      message = `expected ${issue.expected}, got ${issue.received}`;
    }
    return { path: formatPath(parts), message };
  });
}
