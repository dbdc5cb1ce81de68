// The `jwtgate` command: finds the (sub)command, parses its flags, runs it, and turns every
// error into a message and an exit code (2: bad usage or input), never a stack trace. Each
// command is a module of its own: `{ name, summary, usage, help, flags, passThrough?, run }`,
// whose `run(args, io)` resolves to the exit code.
import { JwtGateError } from 'jwtgate';
import { parseArgs } from './args.mjs';
import { CliError, errorData, usageError } from './errors.mjs';
import decode from './decode.mjs';
import verify from './verify.mjs';
import event from './event.mjs';
import explain from './policy-explain.mjs';
import policyTest from './policy-test.mjs';
import jwksSnapshot from './jwks-snapshot.mjs';
import policyCheck from './policy-check.mjs';

/** The commands; a group (`policy`) holds subcommands. */
const COMMANDS = {
  decode,
  verify,
  event,
  policy: { summary: 'explain decisions of a policy document, test it against cases, check it against an API', commands: { explain, test: policyTest, check: policyCheck } },
  jwks: { summary: 'key sets: take a snapshot for cold starts', commands: { snapshot: jwksSnapshot } },
};

// Every command takes these.
const COMMON_FLAGS = { help: { type: 'boolean' }, json: { type: 'boolean' } };

function listing(commands, prefix) {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return Object.entries(commands).map(([name, command]) => `  ${prefix}${name.padEnd(width)}  ${command.summary}`);
}

const TOP_HELP = () => [
  'jwtgate: JWT validation and policy decisions, on the command line',
  '',
  'Usage: jwtgate <command> [arguments] [--json] [--help]',
  '',
  ...listing(COMMANDS, ''),
  '',
  '`jwtgate <command> --help` describes a command. Exit codes: 0 success, 1 an invalid token,',
  'a failed case or an error found, 2 bad usage or input. Colour only on a terminal, and not with NO_COLOR.',
].join('\n');

/** The command named by the first arguments, and the arguments left for it. */
function find(argv) {
  const [name, ...rest] = argv;
  const command = COMMANDS[name];
  if (!command) throw usageError(`unknown command ${JSON.stringify(name)}; one of ${Object.keys(COMMANDS).join(', ')}`);
  if (!command.commands) return { command, args: rest, path: name };
  const [sub, ...subRest] = rest;
  const subcommand = command.commands[sub];
  if (subcommand) return { command: subcommand, args: subRest, path: `${name} ${sub}` };
  if (sub === undefined || sub === '--help' || sub === '-h') return { group: command, path: name };
  throw usageError(`unknown command ${JSON.stringify(`${name} ${sub}`)}; one of ${Object.keys(command.commands).map((s) => `${name} ${s}`).join(', ')}`);
}

async function dispatch(argv, io) {
  if (argv.length === 0 || ['--help', '-h', 'help'].includes(argv[0])) {
    io[argv.length === 0 ? 'stderr' : 'stdout'].write(`${TOP_HELP()}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  const found = find(argv);
  if (found.group) {
    io.stdout.write(`${found.group.summary}\n\n${listing(found.group.commands, `jwtgate ${found.path} `).join('\n')}\n`);
    return 0;
  }
  const { command, args, path } = found;
  const parsed = parseArgs(args, { flags: { ...COMMON_FLAGS, ...command.flags }, passThrough: command.passThrough });
  if (parsed.flags.help) {
    io.stdout.write(`Usage: ${command.usage}\n\n${command.help}\n`);
    return 0;
  }
  return command.run(parsed, io);
}

/**
 * Runs `jwtgate` with `argv` (without the node and script paths); `io` is `{ stdout, stderr,
 * stdin, env }`. Resolves to the exit code.
 */
export async function main(argv, io) {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    const known = error instanceof CliError || error instanceof JwtGateError;
    const message = known ? error.message : `internal error: ${error?.message ?? error}`;
    io.stderr.write(`jwtgate: ${message}${error instanceof CliError && error.code === 'ERR_CLI_USAGE' ? ' (--help for usage)' : ''}\n`);
    if (argv.includes('--json')) io.stdout.write(`${JSON.stringify({ error: known ? errorData(error) : { code: 'ERR_CLI_INTERNAL', message } })}\n`);
    return 2;
  }
}
