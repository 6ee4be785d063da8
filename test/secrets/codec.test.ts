import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AesGcmCodec, SecretDecryptError } from "../../src/secrets/codec.ts";
import { loadMasterKey, parseKey } from "../../src/secrets/key.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

const key = () => randomBytes(32);

describe("AES-256-GCM codec", () => {
  test("round trip, with a fresh IV every time", () => {
    const codec = new AesGcmCodec(key());
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const a = codec.encrypt(secret);
    const b = codec.encrypt(secret);
    expect(a).toStartWith("enc:v1:");
    expect(a).not.toBe(b);
    expect(a).not.toContain("MfKQ9r8GKYqr");
    expect(codec.decrypt(a)).toBe(secret);
    expect(codec.decrypt(b)).toBe(secret);
  });

  test("a wrong key, a changed byte, or a plain value never decrypts to something", () => {
    const stored = new AesGcmCodec(key()).encrypt("s3cret-value");
    expect(() => new AesGcmCodec(key()).decrypt(stored)).toThrow(SecretDecryptError);
    const codec = new AesGcmCodec(Buffer.alloc(32, 1));
    const good = codec.encrypt("s3cret-value");
    const raw = Buffer.from(good.slice(7), "base64");
    raw[14]! ^= 1;
    expect(() => codec.decrypt(`enc:v1:${raw.toString("base64")}`)).toThrow(SecretDecryptError);
    expect(() => codec.decrypt("s3cret-value")).toThrow(SecretDecryptError);
    expect(() => codec.decrypt("enc:v1:AAAA")).toThrow(SecretDecryptError);
  });

  test("refuses a key that is not 32 bytes", () => {
    expect(() => new AesGcmCodec(Buffer.alloc(16))).toThrow();
  });
});

describe("the master key", () => {
  const k = Buffer.alloc(32, 9);
  test.each([
    ["hex", k.toString("hex"), true],
    ["base64", k.toString("base64"), true],
    ["base64url", k.toString("base64url"), true],
    ["with a newline", `${k.toString("base64")}\n`, true],
    ["16 bytes", Buffer.alloc(16).toString("base64"), false],
    ["a passphrase", "correct horse battery staple", false],
    ["empty", "", false],
  ])("parseKey: %s", (_name, text, ok) => {
    const parsed = parseKey(text);
    expect(parsed !== null).toBe(ok);
    if (ok) expect(parsed!.equals(k)).toBe(true);
  });

  test("HOOKGATE_MASTER_KEY wins, and a malformed one says how to make one", () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-key-"));
    try {
      const loaded = loadMasterKey({ HOOKGATE_MASTER_KEY: k.toString("hex") }, dir);
      expect(loaded.key.equals(k)).toBe(true);
      expect(loaded.source).toBe("HOOKGATE_MASTER_KEY");
      expect(() => loadMasterKey({ HOOKGATE_MASTER_KEY: "hunter2" }, dir)).toThrow(/HOOKGATE_MASTER_KEY must be 32 random bytes.*openssl rand -base64 32/);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  test("without it, a key file is made once with mode 0600 and then reused", () => {
    const dir = mkdtempSync(join(tmpdir(), "hookgate-key-"));
    try {
      const first = loadMasterKey({}, join(dir, "data"));
      const path = join(dir, "data", "master.key");
      expect(first).toEqual(expect.objectContaining({ source: path, created: true, warnings: [] }));
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(parseKey(readFileSync(path, "utf8"))!.equals(first.key)).toBe(true);
      const second = loadMasterKey({}, join(dir, "data"));
      expect(second.created).toBe(false);
      expect(second.key.equals(first.key)).toBe(true);
      chmodSync(path, 0o644);
      expect(loadMasterKey({}, join(dir, "data")).warnings[0]).toContain(`chmod 600 ${path}`);
      writeFileSync(path, "not a key");
      expect(() => loadMasterKey({}, join(dir, "data"))).toThrow(`the secrets key file ${path} must hold 32 random bytes`);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
