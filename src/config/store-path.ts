import { accessSync, constants, statSync } from "node:fs";
import { dirname } from "node:path";

/**
 * `store.sqlite`'s file must be creatable (its folder writable, or creatable by hookgate) or writable, so
 * `check` fails where `serve` would (EACCES under the systemd unit, a path through a file). No writes here.
 */
export function storePathProblem(file: string): string | null {
  if (file === ":memory:") return null;
  const fix = "point store.sqlite at a folder the hookgate user can write (under the systemd unit: /var/lib/hookgate, made by StateDirectory=hookgate)";
  const existing = stat(file);
  if (existing) {
    if (!existing.isFile()) return `${file} is not a file — ${fix}`;
    return writable(file) ? null : `${file} is not writable by this user — make it writable (chown hookgate) or ${fix}`;
  }
  // The nearest existing ancestor decides: a folder we can write (mkdir -p works) or not.
  let dir = dirname(file);
  while (!stat(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const folder = stat(dir);
  if (!folder?.isDirectory()) return `cannot create ${file}: ${dir} is not a folder — ${fix}`;
  if (!writable(dir)) return `cannot create ${file}: ${dir} is not writable by this user — ${fix}, or create ${dirname(file)} owned by that user`;
  return null;
}

function stat(path: string) {
  try { return statSync(path); } catch { return null; }
}

function writable(path: string): boolean {
  try { accessSync(path, constants.W_OK); return true; } catch { return false; }
}
