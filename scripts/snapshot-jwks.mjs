// Takes a snapshot of a key set now, for RemoteKeySet's `snapshot` option (at build or deploy
// time, so that a cold start has keys even while the identity provider cannot be reached):
//
//   node scripts/snapshot-jwks.mjs --issuer https://idp.example [file]
//   node scripts/snapshot-jwks.mjs --jwks-uri https://idp.example/jwks.json [file]
//
// Writes the snapshot's JSON to `file`, or to stdout. Load it with
// `new RemoteKeySet({ issuer, snapshot: JSON.parse(readFileSync(file, 'utf8')) })`.
import { writeFileSync } from 'node:fs';
import { snapshotJwks } from '../pkg/src/runtime/node.mjs';

const OPTIONS = { '--issuer': 'issuer', '--jwks-uri': 'jwksUri' };

const [flag, url, file] = process.argv.slice(2);
if (!(flag in OPTIONS) || url === undefined) {
  console.error('usage: node scripts/snapshot-jwks.mjs --issuer URL | --jwks-uri URL [file]');
  process.exit(2);
}
const text = `${JSON.stringify(await snapshotJwks({ [OPTIONS[flag]]: url }), null, 2)}\n`;
if (file === undefined) process.stdout.write(text);
else writeFileSync(file, text);
