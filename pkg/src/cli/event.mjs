// `jwtgate event <shape>`: an API Gateway authorizer event as API Gateway sends it, built by
// `jwtgate/testing`'s apigwEvent, to feed a handler (`sam local invoke -e`, a test fixture).
import { apigwEvent, eventShapes } from 'jwtgate/testing';
import { camelCase } from './args.mjs';
import { usageError } from './errors.mjs';
import { dateFlag } from './input.mjs';
import { writeJson } from './output.mjs';

/** `NAME<separator>VALUE` pairs as a map; a name given again is a list of its values. */
function pairs(list = [], separator, flag) {
  const map = {};
  for (const item of list) {
    const at = item.indexOf(separator);
    if (at <= 0) throw usageError(`--${flag} ${JSON.stringify(item)}: expected NAME${separator}VALUE`);
    const name = item.slice(0, at).trim();
    const value = item.slice(at + 1).trim();
    map[name] = name in map ? [].concat(map[name], value) : value;
  }
  return map;
}

// The flags that are apigwEvent's options as they are (kebab-case for camelCase).
const PLAIN = ['method', 'path', 'token', 'stage', 'route-key', 'resource', 'region', 'account-id', 'api-id', 'source-ip', 'user-agent'];

export default {
  name: 'event',
  summary: 'print an API Gateway authorizer event of a shape, for a request',
  usage: `jwtgate event <${eventShapes.join('|')}> [--method M] [--path P] [--token T] [--header NAME:VALUE …] [--query NAME=VALUE …] [--cookie NAME=VALUE …] [--stage S] [--route-key K] [--at DATE]`,
  help: `Prints the event API Gateway sends a Lambda authorizer for the request, as JSON (the same
as jwtgate/testing's apigwEvent). The token goes in "Authorization: Bearer …" (a rest-token
event's authorizationToken).

  --method M, --path P        the request (default GET /)
  --token T                   the bearer token
  --header NAME:VALUE         a header (repeatable; a name given twice is a repeated header)
  --query NAME=VALUE          a query parameter (repeatable)
  --cookie NAME=VALUE         a cookie (repeatable)
  --stage S                   the stage (default prod; HTTP APIs $default)
  --route-key K               HTTP API 2.0 and WebSocket route key (WebSocket default $connect)
  --resource R                REST and HTTP API 1.0 resource template (/pets/{petId})
  --region R, --account-id A, --api-id I, --source-ip IP, --user-agent UA
  --at DATE                   the request time (default now)

Exit codes: 0 printed, 2 bad usage.`,
  flags: {
    ...Object.fromEntries(PLAIN.map((name) => [name, { type: 'string' }])),
    at: { type: 'string' },
    header: { type: 'string', multiple: true }, query: { type: 'string', multiple: true }, cookie: { type: 'string', multiple: true },
  },
  async run({ flags, positionals }, io) {
    const [shape] = positionals;
    if (!eventShapes.includes(shape)) throw usageError(`${shape === undefined ? 'give a shape' : `unknown shape ${JSON.stringify(shape)}`}: one of ${eventShapes.join(', ')}`);
    const options = Object.fromEntries(PLAIN.filter((name) => flags[name] !== undefined).map((name) => [camelCase(name), flags[name]]));
    writeJson(io, apigwEvent(shape, {
      ...options,
      headers: pairs(flags.header, ':', 'header'),
      query: pairs(flags.query, '=', 'query'),
      cookies: flags.cookie ?? [],
      currentDate: dateFlag(flags.at),
    }));
    return 0;
  },
};
