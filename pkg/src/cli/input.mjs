// Reading what the user points the command at, with faults placed: the file and the line and
// column of a JSON syntax error, the JSON path of a value of the wrong shape.
import { readFileSync } from 'node:fs';
import { inputError, usageError } from './errors.mjs';

/** A file's text, or the input error saying why it cannot be read. */
export function readText(file, what) {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw inputError(`${file}: cannot read the ${what}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  }
}

/** `line:column` (from 1) of a character offset. */
function lineColumn(text, offset) {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before.at(-1).length + 1}`;
}

/**
 * Where JSON text first goes wrong, and how: `{ offset, reason }`. JSON.parse's messages do not
 * always say where (V8's quote the text instead), so a small scanner of RFC 8259's grammar finds
 * the place; it runs only on text JSON.parse refused.
 */
function jsonFault(text) {
  let i = 0;
  const fault = (reason) => {
    throw { offset: i, reason };
  };
  const space = () => {
    while (/[ \t\n\r]/.test(text[i] ?? '')) i++;
  };
  const literal = (word) => {
    if (text.startsWith(word, i)) i += word.length;
    else fault(`unexpected ${describe(text[i])}`);
  };
  const string = () => {
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined) fault('unterminated string');
      if (c === '"') break;
      if (c < ' ') fault('control character in a string');
      if (c === '\\') {
        i++;
        if (text[i] === 'u' ? !/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5)) : !'"\\/bfnrt'.includes(text[i] ?? 'x')) fault('bad escape in a string');
        if (text[i] === 'u') i += 4;
      }
      i++;
    }
    i++;
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match) fault(`unexpected ${describe(text[i])}`);
    i += match[0].length;
  };
  const sequence = (close, item) => {
    i++;
    space();
    if (text[i] === close) return void i++;
    for (;;) {
      item();
      space();
      if (text[i] === close) return void i++;
      if (text[i] !== ',') fault(text[i] === undefined ? 'unexpected end of the file' : `expected ',' or '${close}', found ${describe(text[i])}`);
      i++;
      space();
    }
  };
  const value = () => {
    space();
    const c = text[i];
    if (c === '{') {
      sequence('}', () => {
        if (text[i] !== '"') fault(`expected a member name in double quotes, found ${describe(text[i])}`);
        string();
        space();
        if (text[i] !== ':') fault(`expected ':', found ${describe(text[i])}`);
        i++;
        value();
      });
    } else if (c === '[') sequence(']', value);
    else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === undefined) fault('unexpected end of the file');
    else number();
  };
  try {
    value();
    space();
    if (i < text.length) fault(`unexpected ${describe(text[i])} after the JSON value`);
  } catch (found) {
    if (found.offset === undefined) throw found;
    return found;
  }
  return undefined;
}

const describe = (c) => (c === undefined ? 'end of the file' : JSON.stringify(c));

/** A JSON file, parsed, or the input error naming the file, line and column. */
export function readJson(file, what) {
  const text = readText(file, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    const { offset, reason } = jsonFault(text) ?? { offset: 0, reason: error.message };
    throw inputError(`${file}:${lineColumn(text, offset)}: not JSON: ${reason}`);
  }
}

/** A JSON file that must hold an object. */
export function readJsonObject(file, what) {
  const value = readJson(file, what);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw inputError(`${file}: $: the ${what} must be a JSON object`);
  return value;
}

/** The token argument: the text given, or standard input's for `-`; surrounding whitespace dropped. */
export async function tokenArgument(value, io) {
  if (value === undefined) throw usageError('give a token (or - to read it from standard input)');
  if (value !== '-') return value.trim();
  let text = '';
  for await (const chunk of io.stdin) text += chunk;
  return text.trim();
}

/** A `--at` date, or the usage error. */
export function dateFlag(value) {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw usageError(`--at ${JSON.stringify(value)}: not a date (2030-01-01T00:00:00Z)`);
  return date;
}
