import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHmac } from "node:crypto";
import { resolveConfig } from "../../src/config/load.ts";
import { builtinPlugins } from "../../plugins/index.ts";
import { headerNameProblem, headerValueProblem, isSecretHeaderName } from "../../src/outbound/header-rules.ts";
import { baseConfig, startTestApp, type TestApp } from "../support/app.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver } from "../support/receiver.ts";
import { dbOf } from "../support/store-db.ts";

// Servers, receivers and the binary on a shared 2-core machine: more room than bun's 5 s default.
setDefaultTimeout(30_000);

describe("header rules", () => {
  test.each([
    ["x-tenant", null],
    ["X-CEPro-Event", null],
    ["Host", "is set by the transport and cannot be overridden"],
    ["content-length", "is set by the transport and cannot be overridden"],
    ["Transfer-Encoding", "is set by the transport and cannot be overridden"],
    ["connection", "is set by the transport and cannot be overridden"],
    ["Authorization", 'carries receiver credentials: put them in auth ({ type: "bearer", token } or { type: "basic", username, password }), not headers'],
    ["proxy-authorization", 'carries receiver credentials: put them in auth ({ type: "bearer", token } or { type: "basic", username, password }), not headers'],
    ["Cookie", 'carries receiver credentials: put them in auth ({ type: "bearer", token } or { type: "basic", username, password }), not headers'],
    ["x-a\r\nx-b", "must be a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~)"],
    ["x y", "must be a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~)"],
    ["x:y", "must be a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~)"],
    ["", "must be a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~)"],
  ])("name %j", (name, expected) => {
    expect(headerNameProblem(name)).toBe(expected);
  });

  test.each([
    ["plain", null],
    ["tab\tand ü (Latin-1)", null],
    ["", null],
    ["a\r\nx-injected: 1", "must not contain CR or LF"],
    ["a\nb", "must not contain CR or LF"],
    ["a\0b", "must not contain control characters (found U+0000)"],
    ["a\x01b", "must not contain control characters (found U+0001)"],
    ["a\x7fb", "must not contain control characters (found U+007F)"],
    ["5 €", 'must be Latin-1 text: "€" (U+20AC) cannot be sent in a header (percent-encode or base64 it)'],
    ["🎉", 'must be Latin-1 text: "🎉" (U+1F389) cannot be sent in a header (percent-encode or base64 it)'],
  ])("value %j", (value, expected) => {
    expect(headerValueProblem(value)).toBe(expected);
  });
});

describe("secret-looking header names (masked in reads and attempt logs, sealed at rest)", () => {
  test.each([
    ["X-Api-Key", true],
    ["api-key", true],
    ["X-APIKEY", true],
    ["x-apikey", true],
    ["Private-Token", true],
    ["X-Auth-Token", true],
    ["x-access-token", true],
    ["X-Client-Secret", true],
    ["x_api_key", true],
    ["X-Password", true],
    ["X-Auth", true],
    ["X-Credentials", true],
    ["Authorization", true], // refused in headers, but rows stored before that rule are masked too
    ["Cookie", true],
    ["Token", true],
    ["x-idempotency-key", true], // a false positive costs only visibility
    ["X-Hub-Signature-256", false], // a signature is a per-message MAC, not a credential
    ["X-Signature", false],
    ["X-Tenant", false],
    ["X-CEPro-Event", false],
    ["X-Keyboard", false],
    ["X-Monkey-Business", false],
    ["X-Tokenizer", false],
    ["X-Secretary", false],
  ])("%s → %p", (name, expected) => {
    expect(isSecretHeaderName(name)).toBe(expected);
  });
});

test("a config endpoint with receiver credentials in headers fails check, pointing to auth", async () => {
  const result = await resolveConfig({
    endpoints: [{ id: "a", url: "https://example.com/h", events: ["*"], signing: { scheme: "none" }, headers: { Authorization: "Bearer x", "X-Ok": "1" } }],
  }, "/tmp/hookgate-headers/webhooks.config.ts", builtinPlugins);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.problems).toEqual([{ path: "endpoints[0].headers.Authorization", message: expect.stringContaining("put them in auth ({ type: \"bearer\", token }") }]);
});

/** A receiver that keeps the request exactly as the bytes arrived. */
function startRawRecorder() {
  const requests: { head: string; body: Buffer }[] = [];
  const listener = Bun.listen<{ buffer: Buffer }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) { s.data = { buffer: Buffer.alloc(0) }; },
      data(s, chunk) {
        s.data.buffer = Buffer.concat([s.data.buffer, chunk]);
        const end = s.data.buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = s.data.buffer.subarray(0, end).toString("latin1");
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (s.data.buffer.length < end + 4 + length) return;
        requests.push({ head, body: s.data.buffer.subarray(end + 4, end + 4 + length) });
        s.data.buffer = s.data.buffer.subarray(end + 4 + length);
        s.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
      },
    },
  });
  return { url: `http://127.0.0.1:${listener.port}/hooks`, requests, stop: () => listener.stop(true) };
}

let app: TestApp | null = null;
const cleanup: (() => void)[] = [];
afterEach(async () => { for (const f of cleanup.splice(0)) f(); await app?.close(); app = null; });

describe("what goes on the wire", () => {
  test("the signature is computed over exactly the bytes sent", async () => {
    const raw = startRawRecorder();
    cleanup.push(raw.stop);
    const secret = "hex-secret-0123456789";
    app = await startTestApp(baseConfig({
      endpoints: [{
        id: "raw", url: raw.url, events: ["*"], secret, signing: { scheme: "hex" },
        headers: { "X-Static": "ü" },
        // Non-ASCII, astral and escaped characters: any re-encoding between signing and sending would show.
        transform: ((e: { data: unknown }) => ({ text: "naïve 🎉 \u2028 \"q\" \\", data: e.data })) as never,
      }],
    }));
    await app.post({ type: "job.done", data: { name: "Zoë", emoji: "👩‍💻" } });
    await waitFor(() => raw.requests.length === 1, { timeoutMs: 3_000, what: "the delivery" });
    const { head, body } = raw.requests[0]!;
    const header = /\r\nx-webhook-signature: *([0-9a-f]+)/i.exec(head)?.[1];
    expect(header).toBe(createHmac("sha256", secret).update(body).digest("hex"));
    expect(Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1])).toBe(body.length);
    expect(JSON.parse(body.toString("utf8"))).toEqual({ text: "naïve 🎉 \u2028 \"q\" \\", data: { name: "Zoë", emoji: "👩‍💻" } });
    expect(Buffer.from(/\r\nx-static: *([^\r\n]*)/i.exec(head)![1]!, "latin1")).toEqual(Buffer.from([0xfc])); // ü as one Latin-1 byte
  });

  test("a header function returning CR/LF fails the attempt before anything is sent", async () => {
    const receiver = startReceiver();
    cleanup.push(receiver.stop);
    app = await startTestApp(baseConfig({
      endpoints: [{
        id: "evil", url: receiver.url, events: ["*"], signing: { scheme: "none" },
        headers: { "X-Event": (({ event }: { event: { data: { v: string } } }) => event.data.v) as never },
      }],
      delivery: { schedule: ["1h"] } as never,
    }));
    await app.post({ type: "job.done", data: { v: "x\r\nx-injected: 1" } });
    await waitFor(async () => (await dbOf(app!.store).selectFrom("attempts").selectAll().execute()).length === 1, { timeoutMs: 3_000, what: "the attempt" });
    const [attempt] = await dbOf(app.store).selectFrom("attempts").selectAll().execute();
    expect(attempt).toMatchObject({ status_code: null, error: "could not build the request: header X-Event: the value must not contain CR or LF" });
    expect(receiver.requests).toHaveLength(0);
  });
});

test("hookgate's own headers cannot be overridden by an endpoint", () => {
  for (const name of ["Webhook-Id", "webhook-timestamp", "webhook-signature", "Content-Type", "webhook-attempt", "webhook-event"]) {
    expect(headerNameProblem(name)).toContain("set by hookgate");
  }
  expect(headerNameProblem("X-CEPro-Event")).toBeNull();
});
