import { describe, expect, test } from "bun:test";
import { verify as octokitVerify } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import { generateSecret, secretProblem, sign, singleSignature } from "../../src/core/signing.ts";
import { verifyBuildWorkPro, verifyCePro, verifyGithub } from "../support/verifiers.ts";

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const oldSecret = "whsec_dGhpcyBpcyB0aGUgb2xkIHNlY3JldCBrZXkgISE=";
const input = { id: "evt_01abc", timestamp: Math.floor(Date.now() / 1000), body: '{"id":"evt_01abc","type":"a.b","data":{"x":"ü"}}' };

describe("signing schemes", () => {
  test("standard verifies with the standardwebhooks package", () => {
    const signature = sign("standard", [secret], input)!;
    const headers = { "webhook-id": input.id, "webhook-timestamp": String(input.timestamp), "webhook-signature": signature };
    expect(new Webhook(secret).verify(input.body, headers)).toEqual(JSON.parse(input.body));
    expect(() => new Webhook(oldSecret).verify(input.body, headers)).toThrow();
  });

  test("standard during rotation: new first, then old, both verify", () => {
    const signature = sign("standard", [secret, oldSecret], input)!;
    expect(signature.split(" ")).toHaveLength(2);
    expect(signature.split(" ")[0]).toBe(sign("standard", [secret], input)!);
    const headers = { "webhook-id": input.id, "webhook-timestamp": String(input.timestamp), "webhook-signature": signature };
    expect(new Webhook(secret).verify(input.body, headers)).toBeTruthy();
    expect(new Webhook(oldSecret).verify(input.body, headers)).toBeTruthy();
  });

  test("stripe verifies with the BuildWorkPro verifier, keyed by the whole secret string", () => {
    const header = sign("stripe", [secret], input)!;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyBuildWorkPro(header, input.body, secret)).toBe(true);
    expect(verifyBuildWorkPro(header, input.body + " ", secret)).toBe(false);
    const rotated = sign("stripe", [secret, oldSecret], input)!;
    expect(rotated.match(/v1=/g)).toHaveLength(2);
    expect(verifyBuildWorkPro(rotated, input.body, secret)).toBe(true);
  });

  test("hex verifies with the CE Pro verifier", () => {
    const header = sign("hex", [secret], input)!;
    expect(verifyCePro(input.body, header, secret)).toBe(true);
    expect(verifyCePro(input.body, header, oldSecret)).toBe(false);
  });

  test("github is sha256=<hex> of the body", () => {
    expect(verifyGithub(input.body, sign("github", [secret], input)!, secret)).toBe(true);
  });

  test("github during rotation carries only the newest secret's signature, and @octokit/webhooks-methods verifies it", async () => {
    const header = sign("github", [secret, oldSecret], input)!;
    expect(header).toBe(sign("github", [secret], input)!);
    expect(await octokitVerify(secret, input.body, header)).toBe(true);
    expect(await octokitVerify(oldSecret, input.body, header)).toBe(false);
  });

  test("hex during rotation carries only the newest secret's signature, and the CE Pro verifier takes it", () => {
    const header = sign("hex", [secret, oldSecret], input)!;
    expect(verifyCePro(input.body, header, secret)).toBe(true);
  });

  test.each([
    ["standard", 2, /v1,/g],
    ["stripe", 2, /v1=/g],
    ["github", 1, /sha256=/g],
    ["hex", 1, /[0-9a-f]{64}/g],
  ] as const)("%s with two secrets carries %i signature(s)", (scheme, count, one) => {
    const header = sign(scheme, [secret, oldSecret], input)!;
    expect(header.match(one)).toHaveLength(count);
  });

  test.each([
    ["standard", false], ["stripe", false], ["github", true], ["hex", true], ["none", false],
  ] as const)("singleSignature(%s) is %p", (scheme, expected) => {
    expect(singleSignature(scheme)).toBe(expected);
  });

  test("none signs nothing", () => {
    expect(sign("none", [secret], input)).toBeNull();
  });

  test("generated secrets are whsec_ + base64 of 32 bytes and usable by standardwebhooks", () => {
    const s = generateSecret();
    expect(s).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(s.slice(6), "base64")).toHaveLength(32);
    const headers = { "webhook-id": "m", "webhook-timestamp": String(input.timestamp), "webhook-signature": sign("standard", [s], { ...input, id: "m" })! };
    expect(new Webhook(s).verify(input.body, headers)).toBeTruthy();
  });

  test.each([
    ["standard", undefined, /required/],
    ["standard", "whsec_not base64!", /base64/],
    ["standard", "whsec_c2hvcnQ=", /base64/],
    ["stripe", "any-string-secret", null],
    ["none", undefined, null],
  ] as const)("secretProblem(%s, %p)", (scheme, value, expected) => {
    const problem = secretProblem(scheme, value);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });
});
