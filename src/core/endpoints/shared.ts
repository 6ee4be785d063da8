import { toMs } from "../duration.ts";
import type { RetryPolicy } from "../delivery/retry.ts";
import { compileFilter, matchesNothing, type Matcher } from "../filters/filter.ts";
import type { EndpointFilter } from "./endpoint.ts";

/** Past this many distinct values the tables start over, so values of deleted endpoints do not pile up. */
const MAX_ENTRIES = 10_000;

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * Identical read-only values shared between runtime endpoints. With 100,000 endpoints, most have the same event
 * list, the default retry policy, no headers, and a tenant name their other endpoints also carry; one copy each
 * instead of one per endpoint. Nothing reads these to change them (the dispatcher and prepare-request only read).
 */
export class SharedValues {
  private lists = new Map<string, string[]>();
  private policies = new Map<string, RetryPolicy>();
  private strings = new Map<string, string>();
  private filters = new Map<string, Matcher>();

  /** One frozen copy per distinct list of patterns. */
  events(events: readonly string[]): string[] {
    const key = JSON.stringify(events);
    let list = this.lists.get(key);
    if (!list) {
      list = Object.freeze([...events]) as string[];
      this.remember(this.lists, key, list);
    }
    return list;
  }

  /** A retry policy per distinct schedule (the delivery default's, for endpoints that do not override it). */
  retry(schedule: readonly (string | number)[], jitter: number): RetryPolicy {
    const key = `${jitter} ${schedule.join(" ")}`;
    let policy = this.policies.get(key);
    if (!policy) {
      policy = Object.freeze({ schedule: Object.freeze(schedule.map(toMs)), jitter });
      this.remember(this.policies, key, policy);
    }
    return policy;
  }

  /** One copy of a text many endpoints carry (a tenant id, a signing header name). */
  string(text: string): string;
  string(text: string | null): string | null;
  string(text: string | null): string | null {
    if (text === null) return null;
    const kept = this.strings.get(text);
    if (kept !== undefined) return kept;
    this.remember(this.strings, text, text);
    return text;
  }

  /**
   * The filter compiled, once per distinct filter. One that no longer compiles (saved before a rule tightened) matches
   * nothing: a tenant's endpoint never gets more than its filter let through.
   */
  filter(filter: EndpointFilter | null): Matcher | null {
    if (filter === null) return null;
    const key = JSON.stringify(filter);
    let match = this.filters.get(key);
    if (!match) {
      const compiled = compileFilter(filter);
      match = compiled.ok ? compiled.match : matchesNothing;
      this.remember(this.filters, key, match);
    }
    return match;
  }

  /** The stored headers opened: none (the common case) is one frozen empty object. */
  headers<T extends object>(stored: T, open: (stored: T) => Record<string, string>): Record<string, string> {
    return isEmpty(stored) ? NO_HEADERS : open(stored);
  }

  private remember<V>(table: Map<string, V>, key: string, value: V): void {
    if (table.size >= MAX_ENTRIES) table.clear();
    table.set(key, value);
  }
}

function isEmpty(object: object): boolean {
  for (const _ in object) return false;
  return true;
}
