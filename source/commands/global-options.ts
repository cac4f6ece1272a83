/**
 * Options every command takes may come before the command too, as with git and restic:
 * `pobsync --home /srv/pobsync status` is `pobsync status --home /srv/pobsync`.
 */

export interface SplitArgv {
  /** the command name; undefined when there is none (the TUI, or the command list) */
  name: string | undefined;
  /** the global options given before the command, then its own arguments */
  rest: string[];
  home: string | undefined;
}

export function splitGlobalOptions(argv: readonly string[]): SplitArgv {
  const globals: string[] = [];
  let home: string | undefined;
  let index = 0;
  for (; index < argv.length; index += 1) {
    const token = argv[index]!;
    if (token === '--home' && index + 1 < argv.length) {
      home = argv[index + 1]!;
      globals.push(token, home);
      index += 1;
    } else if (token.startsWith('--home=')) {
      home = token.slice('--home='.length);
      globals.push(token);
    } else if (token === '--debug') {
      globals.push(token);
    } else {
      break;
    }
  }
  const [name, ...rest] = argv.slice(index);
  return { name, rest: [...globals, ...rest], home };
}
