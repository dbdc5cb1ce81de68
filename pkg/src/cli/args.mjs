// Command-line arguments: `--name value` or `--name=value`, booleans, lists (comma-separated
// and repeatable), repeatable values, positionals; `--` ends the flags. A command declares its
// flags; one that hands the rest to the API (`passThrough`) gets every other `--kebab-case
// VALUE` as a camelCase option, for the API to refuse by name if it knows no such option.
import { usageError } from './errors.mjs';

export const camelCase = (name) => name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
export const kebabCase = (name) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A passed-through value: JSON where it is JSON (`30`, `false`, `["jti"]`), else the text. */
function jsonOrText(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `{ flags, extra, positionals }`; flags by their names as written, `extra` by camelCase names. */
export function parseArgs(argv, { flags, passThrough = false }) {
  const values = {};
  const extra = {};
  const positionals = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      values.help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = arg.slice(2, equals < 0 ? undefined : equals);
    const spec = flags[name];
    if (!spec && !passThrough) throw usageError(`unknown flag --${name}`);
    if (spec?.type === 'boolean') {
      if (equals >= 0) throw usageError(`--${name} takes no value`);
      values[name] = true;
      continue;
    }
    const value = equals >= 0 ? arg.slice(equals + 1) : argv[++i];
    if (value === undefined) throw usageError(`--${name} needs a value`);
    if (!spec) extra[camelCase(name)] = jsonOrText(value);
    else if (spec.type === 'list') (values[name] ??= []).push(...value.split(',').map((v) => v.trim()).filter(Boolean));
    else if (spec.multiple) (values[name] ??= []).push(value);
    else values[name] = value;
  }
  return { flags: values, extra, positionals };
}
