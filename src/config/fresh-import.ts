/**
 * Imports a config or plugin file so that a later import reads it again: a reload must see the edited file and
 * the edited files it imports, not Bun's cached modules. After each import the modules it added to the cache
 * are deleted from it (so the next import evaluates them afresh); a file that failed to build is deleted too,
 * and the file itself is imported under a new query each time, since Bun otherwise keeps answering with the old
 * error. The binary's own modules and node_modules stay.
 */
let generation = 0;

export async function freshImport(path: string): Promise<Record<string, unknown>> {
  const before = new Set(Object.keys(require.cache));
  try {
    return await import(`${path}?v=${++generation}`);
  } catch (e) {
    for (const file of failedFiles(e)) delete require.cache[file];
    throw e;
  } finally {
    for (const key of Object.keys(require.cache)) {
      if (!before.has(key) && !key.startsWith("/$bunfs/") && !key.includes("/node_modules/")) delete require.cache[key];
    }
  }
}

/** The files a build error (Bun's BuildMessage, or an AggregateError of them) names. */
function failedFiles(e: unknown): string[] {
  const errors = e instanceof AggregateError ? e.errors : [e];
  return errors.flatMap((error) => {
    const file = (error as { position?: { file?: unknown } } | null)?.position?.file;
    return typeof file === "string" && file ? [file] : [];
  });
}
