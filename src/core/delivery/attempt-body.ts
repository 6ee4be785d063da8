import type { EventRow } from "../../store/schema.ts";
import { eventBody } from "../events.ts";

/** How much of a request body an attempt record keeps: as much as of a response body. */
export const MAX_RECORDED_BODY = 64 * 1024;

/** The first `max` bytes of `text` as UTF-8 (a character cut in half is dropped). */
export function firstBytes(text: string, max = MAX_RECORDED_BODY): string {
  if (text.length * 3 <= max) return text; // even all 3-byte characters would fit: no encoding needed
  const bytes = Buffer.from(text);
  if (bytes.length <= max) return text;
  return new TextDecoder().decode(bytes.subarray(0, max)).replace(/\uFFFD$/, "");
}

/**
 * What an attempt record stores of the body it sent: null when it is the event's default envelope (reads rebuild
 * it from the event, so the hot path writes nothing more), else its first 64 KiB.
 */
export function recordedBody(body: string, event: EventRow): string | null {
  return body === eventBody(event) ? null : firstBytes(body);
}

/** The body an attempt sent, as reads show it: the stored text, or the default envelope rebuilt from the event. */
export function sentBody(stored: string | null, event: EventRow | undefined): string {
  return stored ?? (event ? firstBytes(eventBody(event)) : "");
}
