import type { Command } from "commander";
import { CliError } from "./cli-error.ts";
import { ExitCode } from "./exit-codes.ts";

/** Every command path (`syncs trigger`) with its options, read from the program itself. */
function commandTable(program: Command): Map<string, { subcommands: string[]; options: string[] }> {
  const table = new Map<string, { subcommands: string[]; options: string[] }>();
  const globals = program.options.map((o) => o.long ?? o.short ?? "").filter(Boolean);
  const walk = (command: Command, path: string) => {
    table.set(path, {
      subcommands: command.commands.map((c) => c.name()),
      options: [...command.options.map((o) => o.long ?? o.short ?? "").filter(Boolean), ...globals, "--help"],
    });
    for (const sub of command.commands) walk(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  walk(program, "");
  return table;
}

/**
 * A bash completion script for `program`: subcommands, then options, of the command typed so far
 * (generated from the program, so it never lags behind the commands).
 */
export function bashCompletion(program: Command): string {
  const cases = [...commandTable(program)]
    .map(([path, entry]) => `    "${path}") words="${[...entry.subcommands, ...entry.options].join(" ")}" ;;`)
    .join("\n");
  return `# bash completion for syncline; load with: source <(syncline completion bash)
_syncline() {
  local cur path="" word i words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "$word" in -*) continue ;; esac
    if _syncline_words "\${path:+$path }$word" >/dev/null; then path="\${path:+$path }$word"; fi
  done
  words=$(_syncline_words "$path")
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
_syncline_words() {
  local words
  case "$1" in
${cases}
    *) return 1 ;;
  esac
  printf '%s\\n' "$words"
}
complete -o default -F _syncline syncline
`;
}

/** A zsh completion script: the bash one through zsh's bashcompinit. */
export function zshCompletion(program: Command): string {
  return `# zsh completion for syncline; load with: source <(syncline completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(program).split("\n").slice(1).join("\n")}`;
}

/** \`syncline completion bash|zsh\`: prints the script for the shell. */
export function registerCompletion(program: Command): void {
  program
    .command("completion <shell>")
    .description("print a completion script: source <(syncline completion bash), or zsh")
    .action((shell: string) => {
      if (shell === "bash") process.stdout.write(bashCompletion(program));
      else if (shell === "zsh") process.stdout.write(zshCompletion(program));
      else throw new CliError(`completion: the shell must be bash or zsh (got "${shell}")`, ExitCode.usage);
    });
}
