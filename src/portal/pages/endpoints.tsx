import { useEffect, useState } from "preact/hooks";
import { api, query, tenantQuery, type Endpoint, type Page, type Stats } from "../api.ts";
import { canWrite, type Session } from "../session.ts";
import { Badge, ErrorNote, href, Loading, Time, useLoad, usePager } from "../ui.tsx";

const DAY_MS = 86_400_000;

/** The last 24 hours of one endpoint (GET /endpoints/{id}/stats), or null when it cannot be read. */
export function useStats(session: Session, id: string, tick = 0): Stats | null {
  const [stats, setStats] = useState<Stats | null>(null);
  useEffect(() => {
    const since = new Date(Date.now() - DAY_MS).toISOString();
    api<Stats>(session, "GET", `/endpoints/${encodeURIComponent(id)}/stats${query({ since })}`).then(setStats, () => setStats(null));
  }, [id, tick]);
  return stats;
}

/** "83% (5 of 6)" over finished and retrying deliveries; a dash when none. */
export function SuccessShare({ stats }: { stats: Stats | null }) {
  if (!stats) return <span class="muted">—</span>;
  const tried = stats.succeeded + stats.failed + stats.retrying;
  if (!tried) return <span class="muted" title={`${stats.pending} pending`}>no deliveries</span>;
  const share = Math.round((stats.succeeded / tried) * 100);
  return <span title={`${stats.succeeded} succeeded, ${stats.failed} failed, ${stats.retrying} retrying, ${stats.pending} pending`}>{share}% ({stats.succeeded} of {tried})</span>;
}

export function LastAttempt({ stats }: { stats: Stats | null }) {
  if (!stats?.lastAttemptAt) return <span class="muted">none yet</span>;
  const ok = stats.lastStatusCode !== null && stats.lastStatusCode >= 200 && stats.lastStatusCode < 300;
  return <span><Badge state={ok ? "succeeded" : "failed"} label={stats.lastStatusCode === null ? "no answer" : String(stats.lastStatusCode)} /> <Time iso={stats.lastAttemptAt} /></span>;
}

export function EndpointState({ endpoint }: { endpoint: Endpoint }) {
  return (
    <span>
      <Badge state={endpoint.enabled ? "enabled" : "disabled"} />
      {!endpoint.enabled && endpoint.disabledReason && <span class="reason"> — {endpoint.disabledReason}</span>}
    </span>
  );
}

function Row({ session, endpoint }: { session: Session; endpoint: Endpoint }) {
  const stats = useStats(session, endpoint.id);
  return (
    <tr>
      <td><a href={href(`/endpoints/${encodeURIComponent(endpoint.id)}`)} class="url">{endpoint.url}</a>
        {endpoint.description && <div class="muted small">{endpoint.description}</div>}
        {session.kind === "admin" && <div class="muted small">{endpoint.tenant ? `tenant ${endpoint.tenant}` : "global (every tenant's events)"}</div>}</td>
      <td>{endpoint.events.map((e) => <code key={e} class="tag">{e}</code>)}</td>
      <td><EndpointState endpoint={endpoint} /></td>
      <td><LastAttempt stats={stats} /></td>
      <td><SuccessShare stats={stats} /></td>
    </tr>
  );
}

/** Endpoints, newest first, one page at a time (the API's cursors). */
export function EndpointList({ session }: { session: Session }) {
  const pager = usePager(session.tenant);
  const list = useLoad(() => api<Page<Endpoint>>(session, "GET", `/endpoints${query({ tenant: tenantQuery(session), cursor: pager.cursor, limit: "20" })}`), `${pager.cursor}`);
  return (
    <section class="card">
      <div class="heading-row">
        <h1>Endpoints</h1>
        {canWrite(session) && <a class="button" href={href("/new")}>Add endpoint</a>}
      </div>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? <Loading what="endpoints" /> : list.data && (list.data.data.length === 0
        ? <p>No endpoints yet. Add one to receive webhooks.</p>
        : (
          <div class="scroll-x" tabIndex={0} role="region" aria-label="Endpoints table">
            <table class="list">
              <thead><tr><th scope="col">URL</th><th scope="col">Event types</th><th scope="col">Status</th><th scope="col">Last attempt</th><th scope="col">Success, last 24 h</th></tr></thead>
              <tbody>{list.data.data.map((e) => <Row key={e.id} session={session} endpoint={e} />)}</tbody>
            </table>
          </div>
        ))}
      {list.data && pager.controls(list.data.nextCursor)}
    </section>
  );
}
