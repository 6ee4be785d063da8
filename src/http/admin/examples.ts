/**
 * An example value built from a JSON Schema, for types whose catalog entry gives none: what the portal previews
 * and sends as a test event, so a test of `order.created` is shaped like an `order.created`.
 */
type Schema = { type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; items?: Schema; enum?: unknown[]; const?: unknown; format?: string; anyOf?: Schema[]; oneOf?: Schema[]; examples?: unknown[]; default?: unknown; minimum?: number };

export function exampleOf(schema: Schema | null | undefined, name = "", depth = 0): unknown {
  if (!schema || depth > 8) return null;
  if (schema.examples?.length) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const union = schema.anyOf ?? schema.oneOf;
  if (union?.length) return exampleOf(union.find((s) => s.type !== "null") ?? union[0], name, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "object":
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, s]) => [key, exampleOf(s, key, depth + 1)]));
    case "array": return schema.items ? [exampleOf(schema.items, name, depth + 1)] : [];
    case "string": return stringExample(schema.format, name);
    case "integer": case "number": return schema.minimum !== undefined && schema.minimum > 1 ? schema.minimum : 1;
    case "boolean": return true;
    case "null": return null;
    default: return null;
  }
}

function stringExample(format: string | undefined, name: string): string {
  if (format === "date-time") return "2026-03-14T16:45:00.000Z";
  if (format === "date") return "2026-03-14";
  if (format === "email") return "jane@example.com";
  if (format === "uri" || format === "url") return "https://example.com/";
  if (format === "uuid") return "3f2b8c1e-6a4d-4e57-9b1a-2c7d8e9f0a1b";
  if (/id$/i.test(name)) return `${name.replace(/id$/i, "").toLowerCase() || "id"}_123`;
  return `example ${name}`.trim();
}
