/** `["endpoints", 2, "url"]` → `endpoints[2].url`, the way users read paths in their config. */
export function formatPath(parts: readonly (string | number)[]): string {
  let out = "";
  for (const part of parts) {
    if (typeof part === "number" || /^\d+$/.test(String(part))) out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out || "(root)";
}
