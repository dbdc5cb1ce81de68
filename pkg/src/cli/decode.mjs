// `jwtgate decode <token>`: the header, the claims with their times, and the package's warnings,
// without verifying anything.
import { decode } from 'jwtgate';
import { dateFlag, tokenArgument } from './input.mjs';
import { members, stylesOf, writeJson, writeLines } from './output.mjs';
import { claimLines, invalidToken, timesOf } from './token-output.mjs';

const SEVERITY_STYLE = { high: 'red', medium: 'yellow', low: 'dim' };

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
