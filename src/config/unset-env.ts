import { formatPath, type Problem } from "./problems.ts";
import { UNSET_PREFIX, unsetEnvMessage } from "./define.ts";

/** Where env() placeholders of unset variables landed in a config value (functions and cycles skipped). */
function placeholders(value: unknown): { path: string; name: string }[] {
  const found: { path: string; name: string }[] = [];
  const seen = new Set<object>();
  const walk = (node: unknown, parts: (string | number)[]) => {
    if (typeof node === "string") {
      if (node.startsWith(UNSET_PREFIX)) found.push({ path: formatPath(parts), name: node.slice(UNSET_PREFIX.length) });
      return;
    }
    if (!node || typeof node !== "object" || seen.has(node) || parts.length > 32) return;
    seen.add(node);
    if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...parts, i]));
    else for (const [key, item] of Object.entries(node)) walk(item, [...parts, key]);
  };
  walk(value, []);
  return found;
}

/**
 * Every unset variable as a problem at the path it was meant for (`admin.tokens[0].token: env("X") is not
 * set: …`), in place of what the checks said about its placeholder there.
 */
export function unsetEnvProblems(value: unknown, found: Problem[]): Problem[] {
  const unset = placeholders(value);
  if (!unset.length) return found;
  const covered = (path: string) => unset.some((u) => path === u.path || path.startsWith(`${u.path}.`) || path.startsWith(`${u.path}[`));
  return [...unset.map((u) => ({ path: u.path, message: unsetEnvMessage(u.name) })), ...found.filter((p) => !covered(p.path))];
}

/** Unset variables no placeholder shows (the config transformed the value, e.g. Number(env("PORT"))): `(env)` problems. */
export function unplacedEnvProblems(names: string[], problems: Problem[]): Problem[] {
  return names
    .filter((name) => !problems.some((p) => p.message === unsetEnvMessage(name)))
    .map((name) => ({ path: "(env)", message: unsetEnvMessage(name) }));
}
