import { useEffect, useState } from "preact/hooks";
import { api, query, tenantQuery, type Endpoint, type ListedEndpoint, type Page, type Stats } from "../api.ts";
import { listPath, navigate, NumberedPager, pageOf, useDebounced } from "../lists.tsx";
import { canWrite, type Session } from "../session.ts";
import { formatNumber, t } from "../i18n.ts";
import { Badge, ErrorNote, href, Loading, Time, useLoad } from "../ui.tsx";

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
  const n = formatNumber;
  if (!tried) return <span class="muted" title={t("pendingCount", n(stats.pending))}>{t("noDeliveries")}</span>;
  const share = formatNumber(Math.round((stats.succeeded / tried) * 100) / 100, { style: "percent" });
  return <span title={t("shareTitle", n(stats.succeeded), n(stats.failed), n(stats.retrying), n(stats.pending))}>{t("share", share, n(stats.succeeded), n(tried))}</span>;
}

export function LastAttempt({ stats }: { stats: Stats | null }) {
  if (!stats) return <span class="muted">—</span>;
  if (!stats.lastAttemptAt) return <span class="muted">{t("noneYet")}</span>;
  const ok = stats.lastStatusCode !== null && stats.lastStatusCode >= 200 && stats.lastStatusCode < 300;
  return <span><Badge state={ok ? "succeeded" : "failed"} label={stats.lastStatusCode === null ? t("noAnswer") : String(stats.lastStatusCode)} /> <Time iso={stats.lastAttemptAt} /></span>;
}

export function EndpointState({ endpoint }: { endpoint: Endpoint }) {
  return (
    <span>
      <Badge state={endpoint.enabled ? "enabled" : "disabled"} />
      {!endpoint.enabled && endpoint.disabledReason && <span class="reason"> — {endpoint.disabledReason}</span>}
    </span>
  );
}

function Row({ session, endpoint }: { session: Session; endpoint: ListedEndpoint }) {
  const stats = endpoint.stats ?? null;
  return (
    <tr>
      <td><a href={href(`/endpoints/${encodeURIComponent(endpoint.id)}`)} class="url">{endpoint.description || endpoint.url}</a>
        {endpoint.description && <div class="muted small url">{endpoint.url}</div>}
        {session.kind === "admin" && <div class="muted small">{endpoint.tenant ? t("tenantNamed", endpoint.tenant) : t("globalEndpoint")}</div>}</td>
      <td>{endpoint.events.map((e) => <code key={e} class="tag">{e}</code>)}</td>
      <td data-label={t("colStatus")}><EndpointState endpoint={endpoint} /></td>
      <td data-label={t("colLastAttempt")}><LastAttempt stats={stats} /></td>
      <td data-label={t("colSuccessShort")}><SuccessShare stats={stats} /></td>
    </tr>
  );
}

const STATES = [["", "anyState"], ["enabled", "enabled"], ["disabled", "disabled"], ["failing", "failing"]] as const;
const LIMIT = 20;

/**
 * Endpoints, newest first: searched by URL or description, filtered by state, one numbered page at a time, each
 * row with its stats: one request per page. Filters and page live in the address.
 */
export function EndpointList({ session, params }: { session: Session; params: URLSearchParams }) {
  const filter = { search: params.get("search") ?? "", state: params.get("state") ?? "", page: params.get("page") ?? "" };
  const page = pageOf(params);
  const [typed, setTyped] = useState(filter.search);
  const go = (change: Record<string, string>) => navigate(listPath("/", filter, change));
  useDebounced(typed, (search) => search !== filter.search && go({ search }));
  const list = useLoad(() => api<Page<ListedEndpoint>>(session, "GET", `/endpoints${query({ tenant: tenantQuery(session), search: filter.search, state: filter.state, page: String(page), limit: String(LIMIT), stats: "true" })}`), JSON.stringify(filter));
  const filtered = filter.search !== "" || filter.state !== "";
  return (
    <section class="card">
      <div class="heading-row">
        <h1>{t("endpointsHeading")}</h1>
        {canWrite(session) && <a class="button" href={href("/new")}>{t("addEndpoint")}</a>}
      </div>
      <form class="filters" role="search" aria-label={t("findEndpoints")} onSubmit={(e) => { e.preventDefault(); go({ search: typed }); }}>
        <label for="endpoint-search">{t("search")}</label>
        <input id="endpoint-search" type="search" placeholder={t("searchPlaceholder")} value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />
        <label for="endpoint-state">{t("state")}</label>
        <select id="endpoint-state" value={filter.state} onChange={(e) => go({ state: (e.target as HTMLSelectElement).value })}>
          {STATES.map(([value, label]) => <option key={value} value={value}>{t(label)}</option>)}
        </select>
      </form>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? <Loading what={t("endpointsLoading")} /> : list.data && (list.data.data.length === 0
        ? <p>{filtered ? t("noEndpointMatches") : t("noEndpointsYet")}</p>
        : (
          <table class="list stack">
            <caption class="visually-hidden">{t("endpointsHeading")}</caption>
            <thead><tr><th scope="col">{t("colEndpoint")}</th><th scope="col">{t("colEventTypes")}</th><th scope="col">{t("colStatus")}</th><th scope="col">{t("colLastAttempt")}</th><th scope="col">{t("colSuccess")}</th></tr></thead>
            <tbody>{list.data.data.map((e) => <Row key={e.id} session={session} endpoint={e} />)}</tbody>
          </table>
        ))}
      {list.data && <NumberedPager page={page} total={list.data.total ?? 0} limit={LIMIT} noun={(n) => t("endpointNoun", n)} go={(p) => go({ page: String(p) })} />}
    </section>
  );
}
