import { useState } from "preact/hooks";
import type { Endpoint, EventType } from "./api.ts";
import { FilterField, filterOf, filterProblem } from "./filter-field.tsx";
import { OrderingField } from "./ordering-field.tsx";
import { maxBlockProblem, maxBlockText } from "./ordering.ts";
import { EventPicker, SchemeSelect } from "./parts.tsx";
import { formatNumber, t } from "./i18n.ts";

/** The description's cap (the API's TEXT_CAPS.description): shown before it bites, never cut silently. */
export const DESCRIPTION_MAX = 1000;
const MASK = "********";

/** What the add and edit forms hold, as typed. */
export interface Draft {
  url: string; description: string; events: string[]; scheme: string; enabled: boolean;
  authType: "" | "basic" | "bearer"; username: string; password: string; token: string;
  headers: string; rateLimit: string;
  /** The payload filter as JSON text; empty: none. */
  filter: string;
  /** Deliver in order (the endpoint's `ordering`), and its maxBlock as typed. */
  ordered: boolean; maxBlock: string;
}

export function draftOf(endpoint?: Endpoint): Draft {
  const auth = endpoint?.auth ?? null;
  return {
    url: endpoint?.url ?? "", description: endpoint?.description ?? "", events: endpoint?.events ?? [],
    scheme: endpoint?.signing.scheme ?? "standard", enabled: endpoint?.enabled ?? true,
    authType: auth?.type ?? "", username: auth?.type === "basic" ? auth.username : "", password: auth ? MASK : "", token: auth ? MASK : "",
    headers: Object.entries(endpoint?.headers ?? {}).map(([k, v]) => `${k}: ${v}`).join("\n"),
    rateLimit: endpoint?.rateLimit == null ? "" : String(endpoint.rateLimit),
    filter: endpoint?.filter ? JSON.stringify(endpoint.filter, null, 2) : "",
    ordered: endpoint?.ordering != null, maxBlock: maxBlockText(endpoint),
  };
}

/** Checks the API would make, said before the request: the customer's words, per field. */
export function checkDraft(d: Draft): Record<string, string> {
  const out: Record<string, string> = {};
  if (d.description.length > DESCRIPTION_MAX) out.description = t("descriptionTooLong", formatNumber(DESCRIPTION_MAX), formatNumber(d.description.length));
  if (!d.events.length) out.events = t("pickOneType");
  if (d.rateLimit && !(Number(d.rateLimit) > 0)) out.rateLimit = t("rateLimitNumber");
  if (parseHeaders(d.headers) === null) out.headers = t("headersFormat");
  if (d.authType === "basic" && !d.username) out.auth = t("enterUserName");
  if (d.authType === "bearer" && !d.token) out.auth = t("enterToken");
  const filter = filterProblem(d.filter);
  if (filter) out.filter = filter;
  const maxBlock = d.ordered ? maxBlockProblem(d.maxBlock) : null;
  if (maxBlock) out.ordering = maxBlock;
  return out;
}

function parseHeaders(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const colon = line.indexOf(":");
    if (colon <= 0) return null;
    out[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return out;
}

/** The API body of a draft. Editing, credentials left masked are left out (the stored ones stay). */
export function bodyOf(d: Draft, editing: boolean): Record<string, unknown> {
  const auth = d.authType === "" ? null
    : d.authType === "basic" ? { type: "basic", username: d.username, password: d.password }
    : { type: "bearer", token: d.token };
  const authUnchanged = editing && auth !== null && (d.authType === "basic" ? d.password === MASK : d.token === MASK);
  const rateLimit = d.rateLimit ? Number(d.rateLimit) : null;
  const ordering = d.ordered ? { maxBlock: d.maxBlock.trim() } : null;
  return {
    url: d.url, description: d.description, events: d.events, signing: { scheme: d.scheme }, enabled: d.enabled,
    headers: parseHeaders(d.headers) ?? {},
    ...(authUnchanged ? {} : editing ? { auth } : auth ? { auth } : {}),
    ...(editing ? { rateLimit } : rateLimit !== null ? { rateLimit } : {}),
    ...(editing ? { filter: filterOf(d.filter) } : d.filter.trim() ? { filter: filterOf(d.filter) } : {}),
    ...(editing || ordering ? { ordering } : {}),
  };
}

/** A field's error: announced with the field (aria-describedby) and marked on it (aria-invalid). */
export function FieldError({ id, message }: { id: string; message?: string }) {
  return message ? <p id={id} class="field-error"><span aria-hidden="true">⚠ </span>{message}</p> : null;
}
const invalid = (id: string, message?: string) => (message ? { "aria-invalid": true, "aria-describedby": id } : {});

/** The fields of the add and edit forms: URL, description, event types, signing, enabled, order, receiver auth, headers, rate. */
export function EndpointFields({ prefix, draft, set, errors, types, tenant = null }: { prefix: string; draft: Draft; set(d: Partial<Draft>): void; errors: Record<string, string>; types: EventType[] | undefined; tenant?: string | null }) {
  const id = (name: string) => `${prefix}-${name}`;
  const text = (e: Event) => (e.target as HTMLInputElement).value;
  const count = draft.description.length;
  const [more, setMore] = useState(draft.authType !== "" || draft.headers !== "" || draft.rateLimit !== "");
  return (
    <>
      <label for={id("url")}>{t("url")}</label>
      <input id={id("url")} type="url" required placeholder="https://example.com/webhooks" value={draft.url} onInput={(e) => set({ url: text(e) })} {...invalid(id("url-error"), errors.url)} />
      <FieldError id={id("url-error")} message={errors.url} />
      <label for={id("description")}>{t("description")}</label>
      <input id={id("description")} type="text" value={draft.description} onInput={(e) => set({ description: text(e) })}
        aria-describedby={errors.description ? `${id("description-count")} ${id("description-error")}` : id("description-count")} aria-invalid={errors.description || count > DESCRIPTION_MAX ? true : undefined} />
      <p id={id("description-count")} class={`small ${count > DESCRIPTION_MAX ? "field-error" : "muted"}`}>{t("charCount", formatNumber(count), formatNumber(DESCRIPTION_MAX))}</p>
      <FieldError id={id("description-error")} message={errors.description} />
      {types && <EventPicker types={types} value={draft.events} onChange={(events) => set({ events })} idPrefix={id("type")} error={errors.events} errorId={id("events-error")} />}
      <FilterField id={id("filter")} value={draft.filter} onChange={(filter) => set({ filter })} error={errors.filter} types={types} events={draft.events} tenant={tenant} />
      <SchemeSelect id={id("scheme")} value={draft.scheme} onChange={(scheme) => set({ scheme })} />
      <div class="check">
        <input id={id("enabled")} type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: (e.target as HTMLInputElement).checked })} />
        <label for={id("enabled")}>{t("enabledField")}</label>
      </div>
      <OrderingField id={id("ordering")} ordered={draft.ordered} maxBlock={draft.maxBlock} onChange={set} error={errors.ordering} />
      <details class="more" open={more} onToggle={(e) => setMore((e.target as HTMLDetailsElement).open)}>
        <summary>{t("moreSettings")}</summary>
        <label for={id("auth")}>{t("receiverAuth")}</label>
        <select id={id("auth")} value={draft.authType} onChange={(e) => set({ authType: text(e) as Draft["authType"] })} {...invalid(id("auth-error"), errors.auth)}>
          <option value="">{t("authNone")}</option><option value="basic">{t("authBasic")}</option><option value="bearer">{t("authBearer")}</option>
        </select>
        {draft.authType === "basic" && <>
          <label for={id("username")}>{t("userName")}</label>
          <input id={id("username")} type="text" autocomplete="off" value={draft.username} onInput={(e) => set({ username: text(e) })} />
          <label for={id("password")}>{t("password")}</label>
          <input id={id("password")} type="password" autocomplete="new-password" value={draft.password} onInput={(e) => set({ password: text(e) })} />
        </>}
        {draft.authType === "bearer" && <>
          <label for={id("token")}>{t("token")}</label>
          <input id={id("token")} type="password" autocomplete="off" value={draft.token} onInput={(e) => set({ token: text(e) })} />
        </>}
        <FieldError id={id("auth-error")} message={errors.auth} />
        <label for={id("headers")}>{t("customHeaders")}</label>
        <textarea id={id("headers")} rows={3} placeholder="X-Team: payments" value={draft.headers} onInput={(e) => set({ headers: text(e) })}
          aria-describedby={`${id("headers-hint")}${errors.headers ? ` ${id("headers-error")}` : ""}`} aria-invalid={errors.headers ? true : undefined} />
        <p id={id("headers-hint")} class="muted small">{t("headersHint")}</p>
        <FieldError id={id("headers-error")} message={errors.headers} />
        <label for={id("rate")}>{t("rateLimit")}</label>
        <input id={id("rate")} type="number" min="0.001" step="any" inputMode="decimal" placeholder={t("noOwnLimit")} value={draft.rateLimit} onInput={(e) => set({ rateLimit: text(e) })} {...invalid(id("rate-error"), errors.rateLimit)} />
        <FieldError id={id("rate-error")} message={errors.rateLimit} />
      </details>
    </>
  );
}
