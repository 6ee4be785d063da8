import { useState } from "preact/hooks";
import { compileFilter, filterInput } from "../core/filters/filter.ts";
import type { EventType } from "./api.ts";
import { FieldError } from "./endpoint-form.tsx";

/**
 * The filter as typed, checked the way the API checks it (the same compiler, so a message here is the one a save
 * would get): null when it is fine or empty, else what is wrong and where.
 */
export function filterProblem(text: string): string | null {
  if (!text.trim()) return null;
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch (error) { return `This is not valid JSON: ${(error as Error).message}`; }
  const compiled = compileFilter(parsed);
  if (compiled.ok) return null;
  return compiled.problems.map((p) => (p.at.length ? `At ${p.path}: ${p.message}` : `The filter ${p.message}`)).join(". ") + ".";
}

/** The filter as the API takes it: null when empty (no filter). Only called on a draft that passed filterProblem. */
export const filterOf = (text: string): Record<string, unknown> | null => (text.trim() ? JSON.parse(text) : null);

/**
 * A JSON editor for the endpoint's payload filter, its messages attached to the field, and a check of the filter
 * against a catalog type's example event (match / no match), run here with the gateway's own matcher.
 */
export function FilterField({ id, value, onChange, error, types, events, tenant }: {
  id: string; value: string; onChange(text: string): void; error?: string; types: EventType[] | undefined; events: string[]; tenant: string | null;
}) {
  const listed = (types ?? []).filter((t) => t.forTenants && !t.type.includes("*") && t.example != null);
  const subscribed = listed.filter((t) => events.some((p) => p === "*" || p === t.type || (p.endsWith(".*") && t.type.startsWith(p.slice(0, -1)))));
  const choices = subscribed.length ? subscribed : listed;
  const [type, setType] = useState("");
  const [verdict, setVerdict] = useState<{ matched: boolean; type: string } | null>(null);
  const chosen = choices.find((t) => t.type === type) ?? choices[0];
  const problem = filterProblem(value);
  const test = () => {
    if (!chosen || problem) return;
    const compiled = compileFilter(filterOf(value) ?? {});
    if (compiled.ok) setVerdict({ matched: compiled.match(filterInput({ type: chosen.type, tenant, data: chosen.example })), type: chosen.type });
  };
  const describedBy = [`${id}-hint`, error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <>
      <label for={id}>Filter (optional): only events whose content matches</label>
      <textarea id={id} class="code" rows={Math.min(10, Math.max(3, value.split("\n").length + 1))} spellcheck={false} placeholder='{ "data": { "amount": { "$gte": 1000 } } }'
        value={value} onInput={(e) => { onChange((e.target as HTMLTextAreaElement).value); setVerdict(null); }}
        aria-describedby={describedBy} aria-invalid={error ? true : undefined} />
      <p id={`${id}-hint`} class="muted small">
        JSON matched against {"{ type, tenant, orderingKey, data }"}: a value must be equal, operators such as $gte, $in, $startsWith, $or compare. Empty: every event of the chosen types.
      </p>
      <FieldError id={`${id}-error`} message={error} />
      {choices.length > 0 && (
        <div class="filter-test">
          <label for={`${id}-example`}>Example event</label>
          <select id={`${id}-example`} value={chosen?.type} onChange={(e) => { setType((e.target as HTMLSelectElement).value); setVerdict(null); }}>
            {choices.map((t) => <option key={t.type} value={t.type}>{t.type}</option>)}
          </select>
          <button type="button" class="secondary" onClick={test} disabled={!value.trim() || problem !== null}>Test against the example event</button>
          <p role="status" class="small">
            {verdict && (verdict.matched
              ? <>✓ Match: this endpoint would get the example <code>{verdict.type}</code> event.</>
              : <>✗ No match: this endpoint would not get the example <code>{verdict.type}</code> event.</>)}
          </p>
        </div>
      )}
    </>
  );
}
