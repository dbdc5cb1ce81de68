// What the commands print: JSON with `--json`, text otherwise, in colour only on a terminal and
// only without NO_COLOR (https://no-color.org: set and not empty).

/** The styles of `io`'s standard output: escape codes on a terminal, plain text elsewhere. */
export function stylesOf(io) {
  const on = io.stdout.isTTY === true && !io.env.NO_COLOR;
  const style = (open, close) => (text) => (on ? `\x1b[${open}m${text}\x1b[${close}m` : String(text));
  return { bold: style(1, 22), dim: style(2, 22), red: style(31, 39), green: style(32, 39), yellow: style(33, 39) };
}

export function writeJson(io, value) {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function writeLines(io, lines) {
  io.stdout.write(`${lines.join('\n')}\n`);
}

/** `name: value` lines of an object, values as JSON, indented. */
export function members(object, indent = '  ') {
  return Object.entries(object ?? {}).map(([name, value]) => `${indent}${name}: ${JSON.stringify(value)}`);
}

/** A number of seconds from now, in words: "in 4 min", "2 h ago". */
function relativeTime(seconds) {
  const size = Math.abs(seconds);
  if (size < 1) return 'now';
  const span = size < 90 ? `${Math.round(size)} s` : size < 5400 ? `${Math.round(size / 60)} min` : size < 129600 ? `${Math.round(size / 3600)} h` : `${Math.round(size / 86400)} days`;
  return seconds > 0 ? `in ${span}` : `${span} ago`;
}

/** An epoch-seconds time as UTC text and relative to `now` (seconds). */
export function timeOf(epoch, now) {
  return { epoch, utc: new Date(epoch * 1000).toISOString().replace('.000Z', 'Z'), relative: relativeTime(epoch - now) };
}
