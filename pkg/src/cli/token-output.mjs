// How the commands show a token: its claims, the times among them in UTC and relative to
// now, and the error of a token the package refuses (exit code 1).
import { errorData } from './errors.mjs';
import { stylesOf, timeOf, writeJson, writeLines } from './output.mjs';

// The NumericDate claims of RFC 7519 (§4.1) and OpenID Connect Core (§2, §5.1): shown as times.
const TIME_CLAIMS = ['exp', 'nbf', 'iat', 'auth_time', 'updated_at'];

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
