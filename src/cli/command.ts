/** What every `hookgate` command declares: the usage line, the help text and its flags come from here. */
export interface Flag {
  /** `--name`; `alias` is a one-letter `-x`. */
  name: string;
  alias?: string;
  /** The value's placeholder (`PATH`); a flag without one is a switch. */
  value?: string;
  /** A flag the command cannot run without (shown without brackets in the usage). */
  required?: boolean;
  help: string;
}

export interface Args {
  flags: Record<string, string | true | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  /** Positional arguments as shown in the usage (`[DIR]`); their count is the most the command takes. */
  positionals?: string[];
  flags?: Flag[];
  summary: string;
  /** More lines for `hookgate NAME --help`. */
  details?: string;
  run(args: Args): Promise<void> | void;
}

export class UsageError extends Error {
  override name = "UsageError";
}

export const CONFIG_FLAG: Flag = {
  name: "config", alias: "c", value: "PATH",
  help: "the config file (default ./webhooks.config.ts, else $HOOKGATE_CONFIG)",
};

/** Reads `argv` (after the command name) against the command's flags; anything else is a UsageError. */
export function parseArgs(command: Command, argv: string[]): Args {
  const args: Args = { flags: {}, positionals: [] };
  const flags = command.flags ?? [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-") || arg === "-") {
      if (args.positionals.length >= (command.positionals?.length ?? 0)) throw new UsageError(`unexpected argument ${arg}`);
      args.positionals.push(arg);
      continue;
    }
    const [key, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const flag = flags.find((f) => key === `--${f.name}` || (f.alias && key === `-${f.alias}`));
    if (!flag) throw new UsageError(`unknown argument ${arg}`);
    if (!flag.value) {
      if (inline !== undefined) throw new UsageError(`--${flag.name} takes no value`);
      args.flags[flag.name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === "") throw new UsageError(`--${flag.name} needs a value (--${flag.name} ${flag.value})`);
    args.flags[flag.name] = value;
  }
  const missing = flags.find((f) => f.required && args.flags[f.name] === undefined);
  if (missing) throw new UsageError(`--${missing.name}${missing.value ? ` ${missing.value}` : ""} is required`);
  return args;
}

export function synopsis(command: Command): string {
  const flags = (command.flags ?? []).map((f) => f.required ? `--${f.name} ${f.value}` : `[--${f.name}${f.value ? ` ${f.value}` : ""}]`);
  return ["hookgate", command.name, ...(command.positionals ?? []), ...flags].join(" ");
}

/** `hookgate --help`: one line per command. */
export function usage(commands: Command[]): string {
  const lines = commands.map((c) => [synopsis(c), c.summary] as const);
  const width = Math.max(...lines.map(([s]) => s.length));
  return [
    "usage: hookgate <command> [options]",
    "",
    ...lines.map(([s, summary]) => `  ${s.padEnd(width)}  ${summary}`),
    "",
    "hookgate <command> --help shows a command's options.",
  ].join("\n");
}

/** `hookgate NAME --help`. */
export function help(command: Command): string {
  const flags = [...(command.flags ?? []), { name: "help", alias: "h", help: "show this help" } as Flag];
  const width = Math.max(...flags.map((f) => flagLabel(f).length));
  return [
    `usage: ${synopsis(command)}`,
    "",
    command.summary,
    ...(command.details ? ["", command.details] : []),
    "",
    "options:",
    ...flags.map((f) => `  ${flagLabel(f).padEnd(width)}  ${f.help}`),
  ].join("\n");
}

function flagLabel(flag: Flag): string {
  return `${flag.alias ? `-${flag.alias}, ` : ""}--${flag.name}${flag.value ? ` ${flag.value}` : ""}`;
}
