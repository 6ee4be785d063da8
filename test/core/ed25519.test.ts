import { describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { generateKeyPair, privateKeyObject, privateKeyProblem, publicKeyText } from "../../src/core/ed25519.ts";
import { DEFAULT_HEADER, secretProblem, sign, signWithKeys } from "../../src/core/signing.ts";
import { verifiesWith, verifyWithNode, type SignedRequest } from "../support/ed25519-receiver.ts";

const input = { id: "evt_01abc", timestamp: 1_800_000_000, body: '{"id":"evt_01abc","type":"a.b","data":{"x":"ü"}}' };
const request = (signature: string, over: Partial<SignedRequest> = {}): SignedRequest =>
  ({ id: input.id, timestamp: String(input.timestamp), body: input.body, signature, ...over });

describe("ed25519 keys (whsk_ / whpk_)", () => {
  test("a generated pair: a 32-byte seed and a 32-byte raw public key, each base64 after its prefix", () => {
    const pair = generateKeyPair();
    expect(pair.privateKey).toMatch(/^whsk_[A-Za-z0-9+/]{43}=$/);
    expect(pair.publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(pair.publicKey.slice(5), "base64")).toHaveLength(32);
    expect(publicKeyText(pair.privateKey)).toBe(pair.publicKey);
    expect(generateKeyPair().privateKey).not.toBe(pair.privateKey);
  });

  test("the public key is the one node:crypto derives (its JWK x)", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const seed = privateKey.export({ format: "jwk" }).d!;
    const whsk = `whsk_${Buffer.from(seed, "base64url").toString("base64")}`;
    expect(publicKeyText(whsk)).toBe(`whpk_${Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url").toString("base64")}`);
  });

  test("a libsodium-style 64-byte key (seed + public key) is taken; one whose halves do not match is refused", () => {
    const pair = generateKeyPair();
    const seed = Buffer.from(pair.privateKey.slice(5), "base64");
    const pub = Buffer.from(pair.publicKey.slice(5), "base64");
    expect(publicKeyText(`whsk_${Buffer.concat([seed, pub]).toString("base64")}`)).toBe(pair.publicKey);
    expect(privateKeyProblem(`whsk_${Buffer.concat([seed, Buffer.alloc(32)]).toString("base64")}`)).toContain("are not the public key");
  });

  test.each([
    ["no prefix", Buffer.alloc(32, 1).toString("base64")],
    ["an HMAC secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    ["a public key", generateKeyPair().publicKey],
    ["31 bytes", `whsk_${Buffer.alloc(31, 1).toString("base64")}`],
    ["not base64", "whsk_not base64!"],
  ])("%s is no private key, and the message says what one is and that it can be left out", (_, text) => {
    expect(privateKeyProblem(text)).toContain('must be "whsk_" + base64 of a 32-byte Ed25519 private key (leave it out and hookgate generates one)');
    expect(secretProblem("ed25519", text)).not.toBeNull();
    expect(() => privateKeyObject(text)).toThrow("Ed25519");
  });

  test("ed25519 needs no secret (hookgate makes one); an HMAC scheme refuses a private key", () => {
    expect(secretProblem("ed25519", undefined)).toBeNull();
    expect(secretProblem("ed25519", generateKeyPair().privateKey)).toBeNull();
    for (const scheme of ["standard", "stripe", "github", "hex"] as const) {
      expect(secretProblem(scheme, generateKeyPair().privateKey)).toContain('signing: { scheme: "ed25519" }');
    }
  });
});

describe("v1a signatures", () => {
  const current = generateKeyPair();
  const previous = generateKeyPair();

  test("one v1a signature in webhook-signature, verified by node:crypto and WebCrypto with the public key alone", async () => {
    expect(DEFAULT_HEADER.ed25519).toBe("webhook-signature");
    const header = signWithKeys([privateKeyObject(current.privateKey)], input)!;
    expect(header).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    expect(header).toBe(sign("ed25519", [current.privateKey], input)!);
    expect(await verifiesWith(current.publicKey, request(header))).toBe(true);
    expect(await verifiesWith(previous.publicKey, request(header))).toBe(false);
  });

  test("during a rotation: v1a,<new> v1a,<old>, and each key verifies", async () => {
    const header = signWithKeys([current, previous].map((k) => privateKeyObject(k.privateKey)), input)!;
    const parts = header.split(" ");
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(signWithKeys([privateKeyObject(current.privateKey)], input)!);
    expect(verifyWithNode(current.publicKey, request(parts[0]!))).toBe(true);
    expect(verifyWithNode(previous.publicKey, request(parts[1]!))).toBe(true);
    expect(await verifiesWith(current.publicKey, request(header))).toBe(true);
    expect(await verifiesWith(previous.publicKey, request(header))).toBe(true);
  });

  test.each([
    ["body", { body: input.body.replace("ü", "u") }],
    ["id", { id: "evt_01abd" }],
    ["timestamp", { timestamp: String(input.timestamp + 1) }],
  ])("a tampered %s fails both verifiers", async (_, over) => {
    const header = signWithKeys([privateKeyObject(current.privateKey)], input)!;
    expect(await verifiesWith(current.publicKey, request(header, over))).toBe(false);
  });

  test("no keys: no signature", () => {
    expect(signWithKeys([], input)).toBeNull();
  });
});
