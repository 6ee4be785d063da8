import type * as Zlib from "node:zlib";

/**
 * node:zlib, evaluated on the first compressed answer: loading it costs 6–13 ms of every start of the compiled
 * binary here (P5), and most starts serve no asset. A `require` in a function keeps the bundler from evaluating
 * it at start, as an import would (as pg-driver.ts does).
 */
let zlib: typeof Zlib | undefined;
const zlibModule = (): typeof Zlib => (zlib ??= require("node:zlib") as typeof Zlib);

export type Encoding = "br" | "gzip" | "identity";

/**
 * The encoding to answer with, from `Accept-Encoding`: brotli before gzip, and neither where the client gave it
 * `q=0`. A client that names neither gets the bytes as they are.
 */
export function pickEncoding(acceptEncoding: string | null): Encoding {
  if (!acceptEncoding) return "identity";
  const offered = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(",")) {
    const [name, ...params] = part.trim().split(";");
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((x) => x !== undefined);
    if (name) offered.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const weight = (name: string) => offered.get(name) ?? offered.get("*") ?? 0;
  if (weight("br") > 0) return "br";
  if (weight("gzip") > 0) return "gzip";
  return "identity";
}

/**
 * A static asset compressed once per encoding and kept: the portal's and Swagger UI's files do not change while
 * the process runs, so each is compressed on its first request only.
 */
export class CompressedAsset {
  private readonly cache = new Map<Encoding, Promise<Uint8Array>>();
  constructor(private readonly read: () => Promise<Uint8Array>) {}

  bytes(encoding: Encoding): Promise<Uint8Array> {
    let found = this.cache.get(encoding);
    if (!found) {
      found = this.read().then((raw) => encode(raw, encoding));
      found.catch(() => this.cache.delete(encoding));
      this.cache.set(encoding, found);
    }
    return found;
  }

  /** The answer for this request: the body in its encoding, with `Content-Encoding` and `Vary`. */
  async response(request: Request, headers: Record<string, string>): Promise<Response> {
    const encoding = pickEncoding(request.headers.get("accept-encoding"));
    const body = await this.bytes(encoding);
    return new Response(body, {
      headers: { ...headers, vary: "Accept-Encoding", ...(encoding !== "identity" && { "content-encoding": encoding }) },
    });
  }
}

function encode(raw: Uint8Array, encoding: Encoding): Uint8Array {
  // The best brotli costs seconds on Swagger UI's 1.4 MB bundle; quality 6 there is near it at a tenth of the time.
  const quality = raw.byteLength < 256 * 1024 ? 11 : 6;
  const { brotliCompressSync, constants, gzipSync } = zlibModule();
  if (encoding === "br") return brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: raw.byteLength } });
  if (encoding === "gzip") return gzipSync(raw, { level: 9 });
  return raw;
}

/** A CompressedAsset of a file or blob. */
export const assetOf = (source: Blob | string) =>
  new CompressedAsset(async () => new Uint8Array(await (typeof source === "string" ? Bun.file(source) : source).arrayBuffer()));
