import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { formatDate, t, type Text } from "./i18n.ts";
import { fieldErrors } from "./words.ts";

/** A time in the browser's zone and the page's language, with the UTC value on hover. */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span>{t("never")}</span>;
  const date = new Date(iso);
  return <time dateTime={iso} title={`${date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC")}`}>{formatDate(date)}</time>;
}

/** A state told by a word and a symbol, the colour only repeats it. */
const MARKS: Record<string, string> = { succeeded: "✓", failed: "✗", retrying: "↻", pending: "…", enabled: "●", disabled: "○" };
const STATE_WORDS: Record<string, Text> = { succeeded: "stateSucceeded", failed: "stateFailed", retrying: "stateRetrying", pending: "statePending", enabled: "stateEnabled", disabled: "stateDisabled" };
export function Badge({ state, label }: { state: string; label?: string }) {
  const word = STATE_WORDS[state];
  return <span class={`badge badge-${state}`}><span aria-hidden="true">{MARKS[state] ?? "•"} </span>{label ?? (word ? t(word) : state)}</span>;
}

/**
 * What went wrong, in the customer's words (words.ts): a heading that says what did not happen (never a status
 * code), then each problem that is not already shown at its field (`atFields`).
 */
export function ErrorNote({ error, what, atFields = [] }: { error: unknown; what?: string; atFields?: string[] }) {
  if (!error) return null;
  const errors = fieldErrors(error);
  const rest = Object.entries(errors).filter(([field]) => !atFields.includes(field));
  const attached = Object.keys(errors).some((field) => atFields.includes(field));
  return (
    <div class="note note-error" role="alert">
      <strong>{what ?? t("didNotWork")}</strong>
      {attached && <p>{t("checkFields")}</p>}
      {rest.map(([field, message]) => <p key={field}>{message}</p>)}
    </div>
  );
}

/** How much of a body hookgate records (DESIGN section 5). */
const CAPTURED = 64 * 1024;

/** A long body scrolls inside its box (keyboard too); never cut silently. */
export function Body({ text, label }: { text: string; label: string }) {
  let shown = text;
  try { if (/^\s*[[{]/.test(text)) shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON: as sent */ }
  return (
    <>
      <pre class="body" tabIndex={0} role="region" aria-label={label}>{shown || t("empty")}</pre>
      {text.length >= CAPTURED && <p class="muted small">{t("bodyCut")}</p>}
    </>
  );
}

export function Headers({ headers, label }: { headers: Record<string, string>; label: string }) {
  const entries = Object.entries(headers);
  if (!entries.length) return <p class="muted">{t("noHeaders")}</p>;
  return (
    <table class="headers" aria-label={label}>
      <tbody>{entries.map(([name, value]) => <tr key={name}><th scope="row">{name}</th><td><code>{value}</code></td></tr>)}</tbody>
    </table>
  );
}

/** Copies `text`; where the browser has no clipboard (plain http), selects the element `selectId` for Ctrl+C. */
export function CopyButton({ text, label, selectId }: { text: string; label: string; selectId: string }) {
  const [state, setState] = useState<"idle" | "copied" | "select">("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      const target = document.getElementById(selectId);
      if (target) getSelection()?.selectAllChildren(target);
      setState("select");
    }
  };
  return (
    <>
      <button type="button" class="secondary" onClick={copy}>{state === "copied" ? t("copied", label) : label}</button>
      <span role="status" class="muted small">{state === "copied" ? t("copiedNote") : state === "select" ? t("selectedNote") : ""}</span>
    </>
  );
}

/** Loads once per key; `reload` fetches again. */
export function useLoad<T>(load: () => Promise<T>, key: string): { data: T | undefined; error: unknown; loading: boolean; reload(): void } {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then((data) => live && setState({ data, loading: false }), (error) => live && setState({ error, loading: false }));
    return () => { live = false; };
  }, [key, tick]);
  return { data: state.data, error: state.error, loading: state.loading, reload: useCallback(() => setTick((t) => t + 1), []) };
}

export function Loading({ what }: { what: string }) {
  return <p class="muted" role="status">{t("loading", what)}</p>;
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return <section class="card"><h2>{title}</h2>{children}</section>;
}

export { href, navigate } from "./nav.ts";
