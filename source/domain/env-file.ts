/**
 * The environment file the installer writes (/etc/pobsync/pobsync.env): `NAME=value` lines, as
 * systemd's EnvironmentFile= reads them, so the service and the `pobsync` command read one file.
 */

/** Variables of an environment file: `#` and `;` comments, blank lines, optional quotes. */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) value = value.slice(1, -1);
    variables[match[1]!] = value;
  }
  return variables;
}
