import { moduleTypes } from "../../scripts/module-types.ts" with { type: "macro" };

/**
 * The `.d.ts` of the "hookgate" module. A Bun macro: `bun run build` runs the generator once and embeds its
 * text, so the binary's types always match its own sources (from source it runs at the first import).
 */
export const MODULE_TYPES: string = moduleTypes();
