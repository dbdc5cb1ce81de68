// `jwtgate jwks snapshot`: a key set taken now, for the authorizer's `jwksSnapshot` option (at
// build or deploy time, so that a cold start has keys even while the identity provider cannot
// be reached), as aws-jwt-verify's preloaded keys are.
import { writeFileSync } from 'node:fs';
import { snapshotJwks } from 'jwtgate';
import { usageError } from './errors.mjs';
import { writeJson } from './output.mjs';

export default {
  name: 'jwks snapshot',
  summary: "fetch an issuer's key set into a file, for the jwksSnapshot option",
  usage: 'jwtgate jwks snapshot (--issuer URL | --jwks-uri URL) [--out FILE]',
  help: `Fetches the key set (OIDC discovery with --issuer) and prints the snapshot as JSON, or
writes it to FILE. Load it with
  createLambdaAuthorizer({ issuer, jwksSnapshot: JSON.parse(readFileSync(FILE, 'utf8')), … })
The snapshot is used until the first refresh; its keys are checked as a fetched set's are.

  --issuer URL      the issuer, exactly as in its tokens' iss claim
  --jwks-uri URL    the JWKS URL itself
  --out FILE        where to write it (default: standard output)

Exit codes: 0 written, 1 the key set could not be fetched or used, 2 bad usage.`,
  flags: { issuer: { type: 'string' }, 'jwks-uri': { type: 'string' }, out: { type: 'string' } },
  async run({ flags }, io) {
    const { issuer, 'jwks-uri': jwksUri, out } = flags;
    if ((issuer === undefined) === (jwksUri === undefined)) throw usageError('give one of --issuer and --jwks-uri');
    let snapshot;
    try {
      snapshot = await snapshotJwks(issuer === undefined ? { jwksUri } : { issuer });
    } catch (error) {
      if (error.code === 'ERR_JWTGATE_INVALID_OPTIONS') throw usageError(error.message);
      io.stderr.write(`jwtgate: ${error.code}: ${error.message}\n`);
      return 1;
    }
    if (out === undefined) writeJson(io, snapshot);
    else writeFileSync(out, `${JSON.stringify(snapshot, null, 2)}\n`);
    return 0;
  },
};
