import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makePrivateDir } from "../store/private-files.ts";

export const KEY_FILE = "master.key";
const HOW = "32 random bytes as base64 or hex (make one: openssl rand -base64 32)";

export interface MasterKey {
  key: Buffer;
  /** Where it came from, for messages: "HOOKGATE_MASTER_KEY" or the key file's path. */
  source: string;
  /** True when this start made a new key file. */
  created: boolean;
  warnings: string[];
}

/** 32 bytes from hex (64 digits) or base64/base64url; null when the text is neither. */
export function parseKey(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, "hex");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) return null;
  const key = Buffer.from(t.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  return key.length === 32 ? key : null;
}

/**
 * The key that encrypts endpoint secrets at rest: HOOKGATE_MASTER_KEY when set, else `master.key` in the
 * data folder, made on first start with mode 0600. Several processes sharing one store need the same key.
 */
export function loadMasterKey(env: Record<string, string | undefined>, dataDir: string): MasterKey {
  const fromEnv = env.HOOKGATE_MASTER_KEY;
  if (fromEnv !== undefined && fromEnv !== "") {
    const key = parseKey(fromEnv);
    if (!key) throw new Error(`HOOKGATE_MASTER_KEY must be ${HOW}`);
    return { key, source: "HOOKGATE_MASTER_KEY", created: false, warnings: [] };
  }
  const path = join(dataDir, KEY_FILE);
  let created = false;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`cannot read the secrets key ${path}: ${(e as Error).message}`);
    created = writeNewKey(path, dataDir);
    text = readFileSync(path, "utf8");
  }
  const key = parseKey(text);
  if (!key) throw new Error(`the secrets key file ${path} must hold ${HOW}`);
  const warnings: string[] = [];
  if ((statSync(path).mode & 0o077) !== 0) warnings.push(`the secrets key file ${path} is readable by other users (chmod 600 ${path})`);
  return { key, source: path, created, warnings };
}

/** Writes a new key without ever exposing a half-written file: write a private temp file, then link it in place. */
function writeNewKey(path: string, dataDir: string): boolean {
  makePrivateDir(dataDir);
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  try {
    chmodSync(temp, 0o600); // the umask may have narrowed it: make it exactly 0600 before it is linked in
    linkSync(temp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false; // another process made it first: use theirs
    throw new Error(`cannot write the secrets key ${path}: ${(e as Error).message}`);
  } finally {
    unlinkSync(temp);
  }
}
