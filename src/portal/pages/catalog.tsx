import { useCatalog } from "../parts.tsx";
import type { Session } from "../session.ts";
import { Body, ErrorNote, Loading } from "../ui.tsx";

/** The event types an endpoint can subscribe to, with their JSON Schemas. */
export function Catalog({ session }: { session: Session }) {
  const catalog = useCatalog(session);
  return (
    <section class="card">
      <h1>Event types</h1>
      <ErrorNote error={catalog.error} />
      {catalog.loading && !catalog.data ? <Loading what="event types" /> : catalog.data && (catalog.data.data.length === 0
        ? <p>No event types yet.</p>
        : (
          <ul class="catalog">
            {catalog.data.data.map((t) => (
              <li key={t.type}>
                <h2><code>{t.type}</code></h2>
                <p>{t.description || <span class="muted">No description.</span>}{!t.inCatalog && <span class="muted"> (seen in events, not in the catalog)</span>}</p>
                {t.schema
                  ? <details><summary>JSON Schema of <code>{t.type}</code></summary><Body text={JSON.stringify(t.schema)} label={`JSON Schema of ${t.type}`} /></details>
                  : <p class="muted small">Any JSON data.</p>}
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}
