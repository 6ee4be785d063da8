/** hookgate's version: `hookgate version`, the OpenAPI document and the User-Agent of every delivery. */
export const VERSION = "0.1.0";

// Set by scripts/build.ts (bun build --define): the commit and the moment of this build. Unset when run from source.
declare const HOOKGATE_COMMIT: string | undefined;
declare const HOOKGATE_BUILT_AT: string | undefined;

/**
 * This build as a person names it: `0.1.0 (commit 04eefb7a1b2c, built 2026-12-06T03:40:12.345Z)`, or `0.1.0 (source)`.
 * The build time has milliseconds, so two builds never print the same line, even of one commit.
 */
export const BUILD = typeof HOOKGATE_COMMIT === "string"
  ? `${VERSION} (commit ${HOOKGATE_COMMIT}, built ${typeof HOOKGATE_BUILT_AT === "string" ? HOOKGATE_BUILT_AT : "at an unknown time"})`
  : `${VERSION} (source)`;
