import { relative } from "node:path";

interface BunMessage {
  message?: string;
  position?: { file?: string; line?: number; column?: number; lineText?: string } | null;
}

/**
 * The message of a failed import of a config or plugin file. Bun throws an AggregateError ("4 errors building
 * …") whose `errors` hold its BuildMessages (syntax) with line and column: show the first (the others
 * usually follow from it) with the line it is on.
 */
export function importErrorMessage(error: unknown): string {
  const messages = (error as { errors?: unknown })?.errors;
  if (Array.isArray(messages) && messages.length) {
    const [first, ...rest] = messages as BunMessage[];
    const text = formatMessage(first!);
    return rest.length ? `${text}\n    (${rest.length} more error(s) after it, most likely caused by this one)` : text;
  }
  if (error && typeof error === "object" && "position" in error) return formatMessage(error as BunMessage);
  return error instanceof Error ? error.message : String(error);
}

function formatMessage(m: BunMessage): string {
  const p = m.position;
  if (!p?.file || !p.line) return m.message ?? String(m);
  const near = relative(process.cwd(), p.file);
  const where = `${near && !near.startsWith("..") ? near : p.file}:${p.line}:${p.column ?? 0}`;
  const source = p.lineText ? `\n    ${p.lineText}\n    ${" ".repeat(Math.max(0, (p.column ?? 1) - 1))}^` : "";
  return `${where}: ${m.message}${source}`;
}
