import { useState } from "preact/hooks";
import { api, query, tenantQuery, type Delivery, type Endpoint, type ManualAttempt, type Page } from "../api.ts";
import { AttemptView, useCatalog } from "../parts.tsx";
import { canWrite, type Session } from "../session.ts";
import { listPath, navigate, NumberedPager, pageOf, useDebounced } from "../lists.tsx";
import { formatNumber, t } from "../i18n.ts";
import { Badge, ErrorNote, href, Loading, Time, useLoad } from "../ui.tsx";

const STATUSES = [["pending", "statePending"], ["retrying", "stateRetrying"], ["succeeded", "stateSucceeded"], ["failed", "stateFailed"]] as const;
const LIMIT = 20;
const FILTERS = ["endpoint", "status", "type", "event", "since", "until", "page"] as const;
/** A `datetime-local` value (the browser's zone) as the API's ISO time. */
const isoOf = (local: string) => { const ms = Date.parse(local); return Number.isNaN(ms) ? undefined : new Date(ms).toISOString(); };
export const endpointName = (e: { url: string; description: string }) => (e.description ? `${e.description} — ${e.url}` : e.url);

/**
 * The delivery log, newest first, filtered by endpoint, status, event type, time range and event id, one numbered
 * page at a time; filters and page live in the address.
 */
export function Deliveries({ session, params }: { session: Session; params: URLSearchParams }) {
  const filter = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ""])) as Record<(typeof FILTERS)[number], string>;
  const page = pageOf(params);
  const catalog = useCatalog(session);
  const [eventTyped, setEventTyped] = useState(filter.event);
  const [message, setMessage] = useState("");
  const list = useLoad(() => api<Page<Delivery>>(session, "GET", `/deliveries${query({
    endpoint: filter.endpoint, status: filter.status, type: filter.type, event: filter.event.trim(), since: isoOf(filter.since), until: isoOf(filter.until),
    tenant: tenantQuery(session), page: String(page), limit: String(LIMIT),
  })}`), JSON.stringify(filter));
  const set = (name: string, value: string) => navigate(listPath("/deliveries", filter, { [name]: value }));
  const input = (e: Event) => (e.target as HTMLInputElement).value;

  return (
    <section class="card">
      <div class="heading-row"><h1>{t("deliveriesHeading")}</h1><button type="button" class="secondary" onClick={list.reload}>{t("refresh")}</button></div>
      <form class="filters" onSubmit={(e) => { e.preventDefault(); set("event", eventTyped.trim()); }} aria-label={t("filterDeliveries")}>
        <EndpointPicker session={session} value={filter.endpoint} onChange={(id) => set("endpoint", id)} />
        <span class="field"><label for="filter-status">{t("status")}</label>
          <select id="filter-status" value={filter.status} onChange={(e) => set("status", input(e))}>
            <option value="">{t("anyStatus")}</option>
            {STATUSES.map(([s, word]) => <option key={s} value={s}>{t(word)}</option>)}
          </select></span>
        <span class="field"><label for="filter-type">{t("eventType")}</label>
          <select id="filter-type" value={filter.type} onChange={(e) => set("type", input(e))}>
            <option value="">{t("anyType")}</option>
            {["ping", ...(catalog.data?.data.map((e) => e.type).filter((type) => type !== "ping") ?? [])].map((type) => <option key={type} value={type}>{type}</option>)}
          </select></span>
        <span class="field"><label for="filter-since">{t("from")}</label>
          <input id="filter-since" type="datetime-local" value={filter.since} onChange={(e) => set("since", input(e))} /></span>
        <span class="field"><label for="filter-until">{t("until")}</label>
          <input id="filter-until" type="datetime-local" value={filter.until} onChange={(e) => set("until", input(e))} /></span>
        <span class="field"><label for="filter-event">{t("eventId")}</label>
          <input id="filter-event" type="search" placeholder="evt_…" value={eventTyped} onInput={(e) => setEventTyped(input(e))} onChange={(e) => set("event", input(e).trim())} /></span>
      </form>
      <p role="status" class={message ? "note note-ok" : "visually-hidden"}>{message}</p>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? <Loading what={t("deliveriesLoading")} /> : list.data && (list.data.data.length === 0
        ? <p>{t("noDeliveriesMatch")}</p>
        : <ul class="deliveries">{list.data.data.map((d) => <DeliveryItem key={d.id} session={session} delivery={d} onRetried={(m) => { setMessage(m); list.reload(); }} />)}</ul>)}
      {list.data && <NumberedPager page={page} total={list.data.total ?? 0} limit={LIMIT} noun={(n) => t("deliveryNoun", n)} go={(p) => set("page", String(p))} />}
    </section>
  );
}

/** Finds any of the tenant's endpoints by URL or description (the API searches them all, not a first page). */
function EndpointPicker({ session, value, onChange }: { session: Session; value: string; onChange(id: string): void }) {
  const [typed, setTyped] = useState("");
  const [search, setSearch] = useState("");
  useDebounced(typed, setSearch, 250);
  const found = useLoad(() => api<Page<Endpoint>>(session, "GET", `/endpoints${query({ tenant: tenantQuery(session), search: search.trim(), page: "1", limit: "50" })}`), search);
  const picked = useLoad(() => (value ? api<Endpoint>(session, "GET", `/endpoints/${encodeURIComponent(value)}`) : Promise.resolve(null)), value);
  const options = found.data?.data ?? [];
  const total = found.data?.total ?? 0;
  return (
    <>
      <span class="field"><label for="filter-endpoint-search">{t("findEndpoint")}</label>
        <input id="filter-endpoint-search" type="search" placeholder={t("searchPlaceholder")} value={typed} aria-describedby="filter-endpoint-found" onInput={(e) => setTyped((e.target as HTMLInputElement).value)} /></span>
      <span class="field"><label for="filter-endpoint">{t("endpoint")}</label>
        <select id="filter-endpoint" value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
          <option value="">{t("allEndpoints")}</option>
          {value && !options.some((e) => e.id === value) && <option value={value}>{picked.data ? endpointName(picked.data) : t("endpointPicked")}</option>}
          {options.map((e) => <option key={e.id} value={e.id}>{endpointName(e)}</option>)}
        </select></span>
      <span id="filter-endpoint-found" class="muted small visually-hidden" aria-live="polite">{found.data ? t("endpointsFound", formatNumber(total), total > options.length ? options.length : null) : ""}</span>
    </>
  );
}

function DeliveryItem({ session, delivery, onRetried }: { session: Session; delivery: Delivery; onRetried(message: string): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [retried, setRetried] = useState<ManualAttempt | null>(null);
  const last = delivery.attempts.at(-1);
  // Pending with no time: its endpoint delivers in order and an earlier event of its key is not through yet.
  const waiting = delivery.status === "pending" && delivery.nextAttemptAt === null;
  const retry = async () => {
    setBusy(true); setError(null);
    try {
      const attempt = await api<ManualAttempt>(session, "POST", `/deliveries/${encodeURIComponent(delivery.id)}/retry`, {});
      setRetried(attempt);
      // The list reloads and the row may leave a filtered list: the message is the list's, not the row's.
      onRetried(t("retriedTo", delivery.eventType, delivery.endpointDescription || delivery.endpointUrl || t("theEndpoint"), attempt.outcome === "succeeded", attempt.statusCode));
    } catch (e) { setError(e); } finally { setBusy(false); }
  };
  return (
    <li class="delivery">
      <details>
        <summary>
          <Badge state={delivery.status} /> <code>{delivery.eventType}</code> {t("to")} <span class="url">{delivery.endpointDescription || delivery.endpointUrl || t("deletedEndpoint")}</span>
          {" · "}<Time iso={delivery.createdAt} />{" · "}{t("attemptCount", formatNumber(delivery.attempts.length), delivery.attempts.length === 1)}
          {last && t("lastAnswer", String(last.statusCode ?? t("none")))}
          {delivery.orderingKey !== null && <>{t("keyShort")}<code>{delivery.orderingKey}</code></>}
          {waiting && ` · ${t("waitingForKey")}`}
        </summary>
        <div class="delivery-body">
          {delivery.endpointUrl && <p class="small url">{t("toUrl")} <a href={href(`/endpoints/${encodeURIComponent(delivery.endpointId)}`)}>{delivery.endpointUrl}</a></p>}
          <p class="muted small">{t("delivery")} <code>{delivery.id}</code> {t("ofEvent")} <code>{delivery.eventId}</code>
            {delivery.orderingKey !== null && <> · {t("orderingKey")} <code>{delivery.orderingKey}</code></>}
            {delivery.nextAttemptAt && <> · {t("nextAttempt")} <Time iso={delivery.nextAttemptAt} /></>}
            {waiting && <> · {t("waitingForKey")}</>}</p>
          {canWrite(session) && <button type="button" onClick={retry} disabled={busy} aria-label={t("retryNowLabel", delivery.id)}>{busy ? t("retrying") : t("retryNow")}</button>}
          {retried && <p role="status">{t("retriedAttempt", retried.number, retried.outcome, String(retried.statusCode ?? t("noAnswer")))}</p>}
          <ErrorNote error={error} />
          {delivery.attempts.length === 0 && <p>{t("noAttemptYet")}</p>}
          {[...delivery.attempts].reverse().map((a) => <AttemptView key={a.id} attempt={a} level={2} />)}
        </div>
      </details>
    </li>
  );
}
