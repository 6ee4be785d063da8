import { FieldError } from "./endpoint-form.tsx";
import { t } from "./i18n.ts";

/** "Deliver in order" and, when checked, how long one event may hold up the ones after it. */
export function OrderingField({ id, ordered, maxBlock, onChange, error }: {
  id: string; ordered: boolean; maxBlock: string; onChange(change: { ordered?: boolean; maxBlock?: string }): void; error?: string;
}) {
  return (
    <>
      <div class="check">
        <input id={id} type="checkbox" checked={ordered} aria-describedby={`${id}-hint`} onChange={(e) => onChange({ ordered: (e.target as HTMLInputElement).checked })} />
        <label for={id}>{t("deliverInOrder")}</label>
      </div>
      <p id={`${id}-hint`} class="muted small">{t("inOrderHint")}</p>
      {ordered && <>
        <label for={`${id}-max-block`}>{t("longestHoldUp")}</label>
        <input id={`${id}-max-block`} type="text" inputMode="text" autocomplete="off" value={maxBlock} onInput={(e) => onChange({ maxBlock: (e.target as HTMLInputElement).value })}
          aria-describedby={`${id}-max-block-hint${error ? ` ${id}-max-block-error` : ""}`} aria-invalid={error ? true : undefined} />
        <p id={`${id}-max-block-hint`} class="muted small">{t("maxBlockHint")}</p>
        <FieldError id={`${id}-max-block-error`} message={error} />
      </>}
    </>
  );
}
