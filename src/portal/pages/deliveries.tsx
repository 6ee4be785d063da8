import { useState } from "preact/hooks";
import { api, query, tenantQuery, type Delivery, type Endpoint, type ManualAttempt, type Page } from "../api.ts";
import { AttemptView, useCatalog } from "../parts.tsx";
import { canWrite, type Session } from "../session.ts";
import { Badge, ErrorNote, Loading, navigate, Time, useLoad, usePager } from "../ui.tsx";

const STATUSES = ["pending", "retrying", "succeeded", "failed"];

/** The delivery log, newest first, filtered by endpoint, status and event type (kept in the address). */
export function Deliveries({ session, params }: { session: Session; params: URLSearchParams }) {
  const filter = { endpoint: params.get("endpoint") ?? "", status: params.get("status") ?? "", type: params.get("type") ?? "" };
  const filterKey = JSON.stringify(filter);
  const pager = usePager(filterKey);
  const endpoints = useLoad(() => api<Page<Endpoint>>(session, "GET", `/endpoints${query({ tenant: tenantQuery(session), limit: "100" })}`), "endpoints");
  const catalog = useCatalog(session);
  const list = useLoad(() => api<Page<Delivery>>(session, "GET", `/deliveries${query({ ...filter, tenant: tenantQuery(session), cursor: pager.cursor, limit: "20" })}`), `${filterKey}|${pager.cursor}`);
  const set = (name: string, value: string) => navigate(`/deliveries${query({ ...filter, [name]: value })}`);
  const urlOf = (id: string) => endpoints.data?.data.find((e) => e.id === id)?.url ?? id;

  return (
    <section class="card">
      <div class="heading-row"><h1>Deliveries</h1><button type="button" class="secondary" onClick={list.reload}>Refresh</button></div>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter deliveries">
        <label for="filter-endpoint">Endpoint</label>
        <select id="filter-endpoint" value={filter.endpoint} onChange={(e) => set("endpoint", (e.target as HTMLSelectElement).value)}>
          <option value="">All endpoints</option>
          {endpoints.data?.data.map((e) => <option key={e.id} value={e.id}>{e.url}</option>)}
          {filter.endpoint && !endpoints.data?.data.some((e) => e.id === filter.endpoint) && <option value={filter.endpoint}>{filter.endpoint}</option>}
        </select>
        <label for="filter-status">Status</label>
        <select id="filter-status" value={filter.status} onChange={(e) => set("status", (e.target as HTMLSelectElement).value)}>
          <option value="">Any status</option>
          {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
        <label for="filter-event">Event type</label>
        <select id="filter-event" value={filter.type} onChange={(e) => set("type", (e.target as HTMLSelectElement).value)}>
          <option value="">Any type</option>
          {["ping", ...(catalog.data?.data.map((t) => t.type).filter((t) => t !== "ping") ?? [])].map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </form>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? <Loading what="deliveries" /> : list.data && (list.data.data.length === 0
        ? <p>No deliveries match.</p>
        : <ul class="deliveries">{list.data.data.map((d) => <DeliveryItem key={d.id} session={session} delivery={d} endpointUrl={urlOf(d.endpointId)} onRetried={list.reload} />)}</ul>)}
      {list.data && pager.controls(list.data.nextCursor)}
    </section>
  );
}

function DeliveryItem({ session, delivery, endpointUrl, onRetried }: { session: Session; delivery: Delivery; endpointUrl: string; onRetried(): void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [retried, setRetried] = useState<ManualAttempt | null>(null);
  const last = delivery.attempts.at(-1);
  const retry = async () => {
    setBusy(true); setError(null);
    try { setRetried(await api<ManualAttempt>(session, "POST", `/deliveries/${encodeURIComponent(delivery.id)}/retry`, {})); onRetried(); } catch (e) { setError(e); } finally { setBusy(false); }
  };
  return (
    <li class="delivery">
      <details>
        <summary>
          <Badge state={delivery.status} /> <code>{delivery.eventType}</code> to <span class="url">{endpointUrl}</span>
          {" · "}<Time iso={delivery.createdAt} />{" · "}{delivery.attempts.length} {delivery.attempts.length === 1 ? "attempt" : "attempts"}
          {last && <>{" · last answer "}{last.statusCode ?? "none"}</>}
        </summary>
        <div class="delivery-body">
          <p class="muted small">Delivery <code>{delivery.id}</code> of event <code>{delivery.eventId}</code>
            {delivery.nextAttemptAt && <> · next attempt <Time iso={delivery.nextAttemptAt} /></>}</p>
          {canWrite(session) && <button type="button" onClick={retry} disabled={busy} aria-label={`Retry now: delivery ${delivery.id}`}>{busy ? "Retrying…" : "Retry now"}</button>}
          {retried && <p role="status">Retried: attempt {retried.number} {retried.outcome} ({retried.statusCode ?? "no answer"}).</p>}
          <ErrorNote error={error} />
          {delivery.attempts.length === 0 && <p>No attempt yet.</p>}
          {[...delivery.attempts].reverse().map((a) => <AttemptView key={a.id} attempt={a} />)}
        </div>
      </details>
    </li>
  );
}
