// `jwtgate decode <token>`: the header, the claims with their times, and the package's warnings,
// without verifying anything.
import { decode } from 'jwtgate';
import { errorData } from './errors.mjs';
import { dateFlag, tokenArgument } from './input.mjs';
import { members, stylesOf, timeOf, writeJson, writeLines } from './output.mjs';

// The NumericDate claims of RFC 7519 (§4.1) and OpenID Connect Core (§2, §5.1): shown as times.
const TIME_CLAIMS = ['exp', 'nbf', 'iat', 'auth_time', 'updated_at'];

const SEVERITY_STYLE = { high: 'red', medium: 'yellow', low: 'dim' };

/** The claims that are times, as UTC and relative to `now`. */
export function timesOf(payload, now) {
  return Object.fromEntries(TIME_CLAIMS.filter((claim) => typeof payload[claim] === 'number').map((claim) => [claim, timeOf(payload[claim], now)]));
}

/** A token the package refuses: its error with the claim or the place at fault; exit code 1. */
export function invalidToken(error, io, json) {
  if (json) {
    writeJson(io, { valid: false, error: errorData(error) });
    return 1;
  }
  const claim = error.claim === undefined ? '' : ` (${error.claim}: ${error.reason})`;
  const place = error.segment === undefined ? '' : ` (segment ${error.segment}${error.offset === undefined ? '' : `, offset ${error.offset}`})`;
  writeLines(io, [`${stylesOf(io).red('invalid')}: ${error.code}${claim}${place}`, `  ${error.message}`]);
  return 1;
}

/** `name: value` lines of the claims, the times followed by their UTC and relative forms. */
export function claimLines(payload, now, io) {
  const { dim } = stylesOf(io);
  const times = timesOf(payload, now);
  return Object.entries(payload).map(([name, value]) => {
    const time = times[name];
    return `  ${name}: ${JSON.stringify(value)}${time ? dim(`  ${time.utc} (${time.relative})`) : ''}`;
  });
}

function human(decoded, now, io) {
  const s = stylesOf(io);
  const warnings = decoded.warnings.map((w) => `  ${s[SEVERITY_STYLE[w.severity]](w.severity)} ${w.code}: ${w.message}`);
  return [
    s.bold('header'), ...members(decoded.header),
    s.bold('claims'), ...claimLines(decoded.payload, now, io),
    `${s.bold('signature')}: ${decoded.signatureBytes} bytes`,
    s.bold('warnings'), ...(warnings.length ? warnings : ['  none']),
    s.dim('not verified: `jwtgate verify` checks the signature and the claims'),
  ];
}

export default {
  name: 'decode',
  summary: 'the header, the claims with their times, and warnings, without verifying',
  usage: 'jwtgate decode <token | -> [--at DATE] [--json]',
  help: `Decodes a compact JWS without verifying it: the header, the claims (times in UTC and
relative to now), the signature's size and the package's security warnings. "-" reads the
token from standard input.

  --at DATE   the time the relative times and time warnings are worked out at (default now)
  --json      print { header, payload, times, signatureBytes, algorithm, warnings }

Exit codes: 0 decoded, 1 not a decodable token, 2 bad usage.`,
  flags: { at: { type: 'string' } },
  async run({ flags, positionals }, io) {
    const token = await tokenArgument(positionals[0], io);
    const currentDate = dateFlag(flags.at) ?? new Date();
    let decoded;
    try {
      decoded = decode(token, { currentDate });
    } catch (error) {
      return invalidToken(error, io, flags.json);
    }
    const now = currentDate.getTime() / 1000;
    if (flags.json) writeJson(io, { ...decoded, times: timesOf(decoded.payload, now) });
    else writeLines(io, human(decoded, now, io));
    return 0;
  },
};
