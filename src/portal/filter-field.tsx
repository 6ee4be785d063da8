import { useState } from "preact/hooks";
import { compileFilter, filterInput } from "../core/filters/filter.ts";
import type { EventType } from "./api.ts";
import { FieldError } from "./endpoint-form.tsx";
import { t } from "./i18n.ts";

/**
 * The filter as typed, checked the way the API checks it (the same compiler, so a message here is the one a save
 * would get): null when it is fine or empty, else what is wrong and where.
 */
export function filterProblem(text: string): string | null {
  if (!text.trim()) return null;
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch (error) { return t("notJson", (error as Error).message); }
  const compiled = compileFilter(parsed);
  if (compiled.ok) return null;
  return compiled.problems.map((p) => (p.at.length ? t("filterAt", p.path, p.message) : t("filterWhole", p.message))).join(". ") + ".";
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
  const listed = (types ?? []).filter((e) => e.forTenants && !e.type.includes("*") && e.example != null);
  const subscribed = listed.filter((e) => events.some((p) => p === "*" || p === e.type || (p.endsWith(".*") && e.type.startsWith(p.slice(0, -1)))));
  const choices = subscribed.length ? subscribed : listed;
  const [type, setType] = useState("");
  const [verdict, setVerdict] = useState<{ matched: boolean; type: string } | null>(null);
  const chosen = choices.find((e) => e.type === type) ?? choices[0];
  const problem = filterProblem(value);
  const test = () => {
    if (!chosen || problem) return;
    const compiled = compileFilter(filterOf(value) ?? {});
    if (compiled.ok) setVerdict({ matched: compiled.match(filterInput({ type: chosen.type, tenant, data: chosen.example })), type: chosen.type });
  };
  const describedBy = [`${id}-hint`, error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <>
      <label for={id}>{t("filterField")}</label>
      <textarea id={id} class="code" rows={Math.min(10, Math.max(3, value.split("\n").length + 1))} spellcheck={false} placeholder='{ "data": { "amount": { "$gte": 1000 } } }'
        value={value} onInput={(e) => { onChange((e.target as HTMLTextAreaElement).value); setVerdict(null); }}
        aria-describedby={describedBy} aria-invalid={error ? true : undefined} />
      <p id={`${id}-hint`} class="muted small">
        {t("filterHintBefore")} {"{ type, tenant, orderingKey, data }"}{t("filterHintAfter")}
      </p>
      <FieldError id={`${id}-error`} message={error} />
      {choices.length > 0 && (
        <div class="filter-test">
          <label for={`${id}-example`}>{t("exampleEvent")}</label>
          <select id={`${id}-example`} value={chosen?.type} onChange={(e) => { setType((e.target as HTMLSelectElement).value); setVerdict(null); }}>
            {choices.map((e) => <option key={e.type} value={e.type}>{e.type}</option>)}
          </select>
          <button type="button" class="secondary" onClick={test} disabled={!value.trim() || problem !== null}>{t("testFilter")}</button>
          <p role="status" class="small">
            {verdict && (verdict.matched
              ? <>{t("filterMatchBefore")} <code>{verdict.type}</code> {t("filterMatchAfter")}</>
              : <>{t("filterNoMatchBefore")} <code>{verdict.type}</code> {t("filterNoMatchAfter")}</>)}
          </p>
        </div>
      )}
    </>
  );
}
