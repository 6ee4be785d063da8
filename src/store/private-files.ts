import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * The data folder holds events, headers, response bodies and the secrets key: what hookgate creates there is
 * private to its user (folders 0700, files 0600), set with chmod so the umask cannot widen it. A folder that exists
 * already keeps its mode: ops may have made it on purpose (a group for backups, say). The store's own files are
 * made 0600 at every start, so a store an older build wrote 0644 is private after the upgrade.
 */

/** Makes `dir` and its missing parents with mode 0700; an existing folder is left as it is. */
export function makePrivateDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  // mkdirSync answers the topmost folder it made: tighten that one and every one below it.
  const top = resolve(first);
  for (let current = resolve(dir); ; current = dirname(current)) {
    chmodSync(current, 0o700);
    if (current === top || dirname(current) === current) break;
  }
}

/** Creates an empty file with mode 0600 unless one exists; true when it made it. */
export function createPrivateFile(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try { fchmodSync(fd, 0o600); } finally { closeSync(fd); }
  return true;
}

/**
 * Sets 0600 on the store's files (chmod, so the umask plays no part): those this start made, and those an older
 * build left 0644. A missing one is skipped, and so is one owned by another user (chmod is theirs to do).
 */
export function tightenFiles(paths: readonly string[]): void {
  for (const path of paths) {
    try { chmodSync(path, 0o600); } catch (e) { if (!["ENOENT", "EPERM"].includes((e as NodeJS.ErrnoException).code ?? "")) throw e; }
  }
}
