/**
 * Imports run one way (STYLE.md, "The shape of the house"); `bun scripts/import-graph.ts` prints the whole graph.
 *
 * - core/ is the domain: it imports only core/ and leaf constants (version.ts). It declares the ports it needs
 *   (Logger, EventInput, Sender, UrlChecker, SecretCodec…) and app/ wires the concrete classes in. Its one door to
 *   the store is type-only: store/types.ts (the Store port and its shapes) and store/schema.ts (kysely's row types),
 *   which core treats as its own ports; never a store class, never config, http, outbound, metrics, cluster, log.
 * - An endpoint is core's Endpoint (core/endpoints/endpoint.ts) outside src/store: core, http and portal never
 *   import its row types (EndpointRow, EndpointsTable); store/endpoint-mapping.ts is where rows become Endpoints.
 * - store/ imports no config, http or metrics; of core only what it implements or maps (types, ids, scope).
 * - metrics/ imports no http (the /metrics route lives in http/).
 * - plugin-api/ re-exports no http module: what a plugin may use is declared in plugin-api or core.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { importsIn, type ImportEdge } from "./imports.ts";

const STORE_PORTS = new Set(["store/types.ts", "store/schema.ts"]);
const ENDPOINT_ROW_TYPES = /\bEndpoint(Row|sTable)\b/;
const LEAVES = new Set(["version"]);

const RULES: { name: string; wrong: (e: ImportEdge) => boolean }[] = [
  {
    name: "core imports only core, leaf constants and (type-only) the store's port",
    wrong: (e) => e.fromFolder === "core" && e.toFolder !== "core" && !LEAVES.has(e.toFolder)
      && !(e.typeOnly && STORE_PORTS.has(e.target)),
  },
  {
    name: "core, http and portal never import an endpoint's row types",
    wrong: (e) => ["core", "http", "portal"].includes(e.fromFolder) && ENDPOINT_ROW_TYPES.test(e.line),
  },
  { name: "store imports no config, http or metrics", wrong: (e) => e.fromFolder === "store" && ["config", "http", "metrics"].includes(e.toFolder) },
  { name: "metrics imports no http", wrong: (e) => e.fromFolder === "metrics" && e.toFolder === "http" },
  { name: "plugin-api re-exports no http", wrong: (e) => e.fromFolder === "plugin-api" && e.toFolder === "http" },
];

const edges = importsIn(join(import.meta.dir, "../../src"));

describe("imports run the house's way", () => {
  test("the reader finds the imports", () => {
    expect(edges.some((e) => e.file === "core/ingest.ts" && e.target === "store/types.ts")).toBe(true);
  });
  for (const rule of RULES) {
    test(rule.name, () => {
      expect(edges.filter(rule.wrong).map((e) => `${e.file}: ${e.line}`)).toEqual([]);
    });
  }
});
