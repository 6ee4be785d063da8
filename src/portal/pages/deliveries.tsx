import { useState } from "preact/hooks";
import { api, query, tenantQuery, type Delivery, type Endpoint, type ManualAttempt, type Page } from "../api.ts";
import { AttemptView, useCatalog } from "../parts.tsx";
import { canWrite, type Session } from "../session.ts";
import { listPath, navigate, NumberedPager, pageOf, useDebounced } from "../lists.tsx";
import { Badge, ErrorNote, href, Loading, Time, useLoad } from "../ui.tsx";

const STATUSES = ["pending", "retrying", "succeeded", "failed"];
const LIMIT = 20;
const FILTERS = ["endpoint", "status", "type", "event", "since", "until", "page"] as const;
/** A `datetime-local` value (the browser's zone) as the API's ISO time. */
const isoOf = (local: string) => { const t = Date.parse(local); return Number.isNaN(t) ? undefined : new Date(t).toISOString(); };
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
      <div class="heading-row"><h1>Deliveries</h1><button type="button" class="secondary" onClick={list.reload}>Refresh</button></div>
      <form class="filters" onSubmit={(e) => { e.preventDefault(); set("event", eventTyped.trim()); }} aria-label="Filter deliveries">
        <EndpointPicker session={session} value={filter.endpoint} onChange={(id) => set("endpoint", id)} />
        <span class="field"><label for="filter-status">Status</label>
          <select id="filter-status" value={filter.status} onChange={(e) => set("status", input(e))}>
            <option value="">Any status</option>
            {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select></span>
        <span class="field"><label for="filter-type">Event type</label>
          <select id="filter-type" value={filter.type} onChange={(e) => set("type", input(e))}>
            <option value="">Any type</option>
            {["ping", ...(catalog.data?.data.map((t) => t.type).filter((t) => t !== "ping") ?? [])].map((t) => <option key={t} value={t}>{t}</option>)}
          </select></span>
        <span class="field"><label for="filter-since">From</label>
          <input id="filter-since" type="datetime-local" value={filter.since} onChange={(e) => set("since", input(e))} /></span>
        <span class="field"><label for="filter-until">Until</label>
          <input id="filter-until" type="datetime-local" value={filter.until} onChange={(e) => set("until", input(e))} /></span>
        <span class="field"><label for="filter-event">Event id</label>
          <input id="filter-event" type="search" placeholder="evt_…" value={eventTyped} onInput={(e) => setEventTyped(input(e))} onChange={(e) => set("event", input(e).trim())} /></span>
      </form>
      <p role="status" class={message ? "note note-ok" : "visually-hidden"}>{message}</p>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? <Loading what="deliveries" /> : list.data && (list.data.data.length === 0
        ? <p>No deliveries match.</p>
        : <ul class="deliveries">{list.data.data.map((d) => <DeliveryItem key={d.id} session={session} delivery={d} onRetried={(m) => { setMessage(m); list.reload(); }} />)}</ul>)}
      {list.data && <NumberedPager page={page} total={list.data.total ?? 0} limit={LIMIT} noun={["delivery", "deliveries"]} go={(p) => set("page", String(p))} />}
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
      <span class="field"><label for="filter-endpoint-search">Find endpoint</label>
        <input id="filter-endpoint-search" type="search" placeholder="URL or description" value={typed} aria-describedby="filter-endpoint-found" onInput={(e) => setTyped((e.target as HTMLInputElement).value)} /></span>
      <span class="field"><label for="filter-endpoint">Endpoint</label>
        <select id="filter-endpoint" value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
          <option value="">All endpoints</option>
          {value && !options.some((e) => e.id === value) && <option value={value}>{picked.data ? endpointName(picked.data) : "the endpoint picked"}</option>}
          {options.map((e) => <option key={e.id} value={e.id}>{endpointName(e)}</option>)}
        </select></span>
      <span id="filter-endpoint-found" class="muted small visually-hidden" aria-live="polite">{found.data ? `${total} endpoints found${total > options.length ? `, the first ${options.length} listed: type to narrow` : ""}` : ""}</span>
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
      onRetried(`Retried ${delivery.eventType} to ${delivery.endpointDescription || delivery.endpointUrl || "the endpoint"}: ${attempt.outcome === "succeeded" ? "delivered" : "failed again"} (${attempt.statusCode ? `answer ${attempt.statusCode}` : "no answer"}).`);
    } catch (e) { setError(e); } finally { setBusy(false); }
  };
  return (
    <li class="delivery">
      <details>
        <summary>
          <Badge state={delivery.status} /> <code>{delivery.eventType}</code> to <span class="url">{delivery.endpointDescription || delivery.endpointUrl || "an endpoint since deleted"}</span>
          {" · "}<Time iso={delivery.createdAt} />{" · "}{delivery.attempts.length} {delivery.attempts.length === 1 ? "attempt" : "attempts"}
          {last && <>{" · last answer "}{last.statusCode ?? "none"}</>}
          {delivery.orderingKey !== null && <>{" · key "}<code>{delivery.orderingKey}</code></>}
          {waiting && " · waiting for an earlier event of its ordering key"}
        </summary>
        <div class="delivery-body">
          {delivery.endpointUrl && <p class="small url">To <a href={href(`/endpoints/${encodeURIComponent(delivery.endpointId)}`)}>{delivery.endpointUrl}</a></p>}
          <p class="muted small">Delivery <code>{delivery.id}</code> of event <code>{delivery.eventId}</code>
            {delivery.orderingKey !== null && <> · ordering key <code>{delivery.orderingKey}</code></>}
            {delivery.nextAttemptAt && <> · next attempt <Time iso={delivery.nextAttemptAt} /></>}
            {waiting && <> · waiting for an earlier event of its ordering key</>}</p>
          {canWrite(session) && <button type="button" onClick={retry} disabled={busy} aria-label={`Retry now: delivery ${delivery.id}`}>{busy ? "Retrying…" : "Retry now"}</button>}
          {retried && <p role="status">Retried: attempt {retried.number} {retried.outcome} ({retried.statusCode ?? "no answer"}).</p>}
          <ErrorNote error={error} />
          {delivery.attempts.length === 0 && <p>No attempt yet.</p>}
          {[...delivery.attempts].reverse().map((a) => <AttemptView key={a.id} attempt={a} level={2} />)}
        </div>
      </details>
    </li>
  );
}
