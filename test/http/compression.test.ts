import { describe, expect, test } from "bun:test";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { CompressedAsset, pickEncoding } from "../../src/http/compression.ts";
import { docs } from "../../src/http/docs.ts";

describe("pickEncoding", () => {
  test.each([
    [null, "identity"],
    ["", "identity"],
    ["gzip, deflate, br, zstd", "br"],
    ["gzip, deflate", "gzip"],
    ["br;q=0, gzip", "gzip"],
    ["gzip;q=0, br;q=0", "identity"],
    ["*", "br"],
    ["identity", "identity"],
    ["GZIP", "gzip"],
  ] as const)("%p → %p", (header, expected) => expect(pickEncoding(header)).toBe(expected));
});

describe("CompressedAsset", () => {
  const text = "a portal asset ".repeat(2000);
  const asset = new CompressedAsset(async () => new TextEncoder().encode(text));
  const request = (encoding?: string) => new Request("http://x/", { headers: encoding ? { "accept-encoding": encoding } : {} });

  test("brotli, gzip or the bytes as they are, always with Vary", async () => {
    const br = await asset.response(request("gzip, br"), { "content-type": "text/plain" });
    expect(br.headers.get("content-encoding")).toBe("br");
    expect(br.headers.get("vary")).toBe("Accept-Encoding");
    expect(br.headers.get("content-type")).toBe("text/plain");
    const brBytes = new Uint8Array(await br.arrayBuffer());
    expect(brBytes.length).toBeLessThan(text.length / 10);
    expect(brotliDecompressSync(brBytes).toString()).toBe(text);

    const gz = await asset.response(request("gzip"), {});
    expect(gz.headers.get("content-encoding")).toBe("gzip");
    expect(gunzipSync(new Uint8Array(await gz.arrayBuffer())).toString()).toBe(text);

    const plain = await asset.response(request(), {});
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(plain.headers.get("vary")).toBe("Accept-Encoding");
    expect(await plain.text()).toBe(text);
  });

  test("compressed once: a second request gets the same bytes", async () => {
    expect(await asset.bytes("br")).toBe(await asset.bytes("br"));
  });
});

test("Swagger UI's bundle is served compressed, well under its 1.4 MB", async () => {
  const app = docs();
  const response = await app.handle(new Request("http://localhost/docs/assets/swagger-ui-bundle.js", { headers: { "accept-encoding": "gzip, deflate, br" } }));
  expect(response.status).toBe(200);
  expect(response.headers.get("content-encoding")).toBe("br");
  const bytes = new Uint8Array(await response.arrayBuffer());
  expect(bytes.length).toBeLessThan(500 * 1024);
  expect(brotliDecompressSync(bytes).length).toBeGreaterThan(1000 * 1024);
});
