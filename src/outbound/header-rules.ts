// The header rules are the domain's (core/header-rules.ts); the sender and the config apply them from here too.
export * from "../core/header-rules.ts";
