import { dlopen } from "bun:ffi";
import { closeSync, fchmodSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { arch, platform } from "node:os";
import { dirname } from "node:path";
import { makePrivateDir } from "./private-files.ts";

/**
 * One SQLite store serves one process (DESIGN §7). `serve` and `migrate` hold an flock(2) on `<store>.lock` from
 * before the migrations until they exit; the kernel drops it when the process dies, kill -9 included, so no stale
 * lock ever blocks a start. The file holds the holder's pid, for the refusal. `backup` reads without it.
 */

const LOCK_EX = 2;
const LOCK_NB = 4;

/** The C libraries that may hold flock, glibc's first; an absent name just fails to load. */
const LIBC = ["libc.so.6", `libc.musl-${arch() === "arm64" ? "aarch64" : "x86_64"}.so.1`, "libc.dylib", "libc.so"];

type Flock = (fd: number, operation: number) => number;
let loaded: Flock | null | undefined;

function flockFn(): Flock | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (platform() === "win32") return loaded;
  for (const name of LIBC) {
    try {
      const lib = dlopen(name, { flock: { args: ["i32", "i32"], returns: "i32" } });
      loaded = (fd, operation) => lib.symbols.flock(fd, operation) as number;
      break;
    } catch { /* the next name */ }
  }
  return loaded;
}

/** A second process on a store another one holds: the one line `serve` and `migrate` exit with. */
export class StoreInUseError extends Error {
  override name = "StoreInUseError";
  constructor(readonly store: string, readonly pid: number | null) {
    super(`the store ${store} is in use by another hookgate process (${pid ? `pid ${pid}` : "its pid is not recorded"}; lock ${store}.lock): one SQLite store serves one process — stop that process, or use a Postgres store to run several`);
  }
}

export interface StoreLock {
  /** Said once at start when this platform offers no flock: the store is then not guarded. */
  warning: string | null;
  release(): void;
}

/** Takes the store's lock or throws StoreInUseError naming the holder's pid. */
export async function lockStore(file: string): Promise<StoreLock> {
  const path = `${file}.lock`;
  makePrivateDir(dirname(file));
  const flock = flockFn();
  if (!flock) return { warning: `no flock(2) on this platform: nothing stops a second hookgate on ${file} (run one serve per SQLite store)`, release() {} };
  const fd = openSync(path, "a+", 0o600);
  try { fchmodSync(fd, 0o600); } catch { /* not ours: the lock still works */ }
  if (flock(fd, LOCK_EX | LOCK_NB) === 0) {
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`);
    let held = true;
    return {
      warning: null,
      release() {
        if (!held) return;
        held = false;
        try { ftruncateSync(fd, 0); } catch { /* the close below is what counts */ }
        closeSync(fd);
      },
    };
  }
  closeSync(fd);
  throw new StoreInUseError(file, await holderOf(path));
}

/** The pid in the lock file; a holder that has just taken the lock writes it within moments. */
async function holderOf(path: string): Promise<number | null> {
  for (let tries = 0; tries < 50; tries++) {
    const pid = Number(readFileSync(path, "utf8").trim());
    if (Number.isInteger(pid) && pid > 0) return pid;
    await Bun.sleep(20);
  }
  return null;
}
