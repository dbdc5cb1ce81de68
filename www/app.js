// jwtgate token inspector. Everything runs here, on jwtgate's browser build (WebAssembly):
// decoding, verification and policy decisions. The page makes one kind of request on its own
// initiative: none. The "Fetch JWKS" button is the only `fetch` call, and only on its click.
//
// Untrusted input (tokens, keys, policies) is only ever put into the page as text nodes.
import { init, KeySet, Verifier, Policy, decode, JwtGateError, RemoteKeySet } from '../pkg/src/runtime/browser.mjs';
import { createTestIssuer } from '../pkg/src/testing/index.mjs';
import { RouteError, readRoutes, readSamples, requestsOf, shapeOf, simulate } from './cache.js';

const $ = (id) => document.getElementById(id);

/** An element with attributes (`class`, `data-*`, …) and children (strings become text nodes). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const code = (text) => el('code', {}, text);

// ---------------------------------------------------------------------------------------------
// Time

/** The evaluation time: the "Evaluate at" field, or now. */
function evaluationDate() {
  const value = $('at').value;
  if (value) {
    const date = new Date(value); // datetime-local: local time
    if (Number.isFinite(date.getTime())) return date;
  }
  return new Date();
}

const utcText = (date) => `${date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')} UTC`;

function localText(date) {
  try {
    return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'long' });
  } catch {
    return date.toString();
  }
}

/** A duration in seconds as "42 s", "4 min", "2 h 5 min", "3 d 4 h". */
function duration(seconds) {
  const s = Math.floor(Math.abs(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) {
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return m && h < 10 ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  return h && d < 10 ? `${d} d ${h} h` : `${d} d`;
}

/** "expires in 4 min", "expired 2 h ago", … for a NumericDate claim relative to `now` (s). */
function relativePhrase(claim, epoch, now) {
  const delta = epoch - now;
  const span = duration(delta);
  switch (claim) {
    case 'exp':
      return delta > 0 ? { text: `expires in ${span}`, tone: delta < 300 ? 'warn' : 'ok' } : { text: delta === 0 ? 'expires now' : `expired ${span} ago`, tone: 'bad' };
    case 'nbf':
      return delta > 0 ? { text: `not valid for another ${span}`, tone: 'bad' } : { text: `valid since ${span} ago`, tone: 'ok' };
    case 'iat':
      return delta > 0 ? { text: `issued in the future (${span} from now)`, tone: 'bad' } : { text: `issued ${span} ago`, tone: 'neutral' };
    case 'auth_time':
      return delta > 0 ? { text: `authenticated in the future (${span} from now)`, tone: 'bad' } : { text: `user authenticated ${span} ago`, tone: 'neutral' };
    default:
      return delta > 0 ? { text: `in ${span}`, tone: 'neutral' } : { text: `${span} ago`, tone: 'neutral' };
  }
}

const TIME_CLAIMS = new Set(['exp', 'nbf', 'iat', 'auth_time', 'updated_at']);

/** The UTC / local / relative explanation of a NumericDate claim; relative part refreshed live. */
function timeExplanation(claim, value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return el('p', { class: 'bad-text' }, 'Not a NumericDate (a number of seconds since 1970-01-01 UTC).');
  }
  const date = new Date(value * 1000);
  if (!Number.isFinite(date.getTime())) return el('p', { class: 'bad-text' }, 'Out of the range of dates.');
  const rel = el('span', { class: 'rel', 'data-claim': claim, 'data-epoch': value });
  updateRelative(rel);
  return el('dl', { class: 'times' },
    el('dt', {}, 'UTC'), el('dd', { class: 'utc' }, utcText(date)),
    el('dt', {}, 'Local'), el('dd', { class: 'local' }, localText(date)),
    el('dt', {}, 'Relative'), el('dd', {}, rel),
    Number.isInteger(value) ? null : [el('dt', {}, 'Note'), el('dd', {}, 'fractional seconds')]);
}

function updateRelative(span) {
  const now = Math.floor(evaluationDate().getTime() / 1000);
  const { text, tone } = relativePhrase(span.dataset.claim, Number(span.dataset.epoch), now);
  span.textContent = $('at').value ? `${text} (at the evaluation time)` : text;
  span.className = `rel tone-${tone}`;
}

// ---------------------------------------------------------------------------------------------
// Explanations of header parameters and claims

const HEADER_PARAMS = {
  alg: 'Signature algorithm (RFC 7515). The verifier must pin the algorithm per key, never trust this value alone.',
  typ: 'Media type of the token, e.g. "JWT" or "at+jwt" (an OAuth access token, RFC 9068).',
  cty: 'Content type of the payload; "JWT" means a nested token (jwtgate refuses those).',
  kid: 'Key ID: which key of the issuer\'s key set signed the token.',
  jku: 'JWK Set URL. Never fetch keys from a URL the token names: an attacker chooses it.',
  jwk: 'A public key embedded in the token. Never trust it: anyone can sign with their own key.',
  x5u: 'X.509 certificate URL. Never trust keys from a URL the token names.',
  x5c: 'X.509 certificate chain embedded in the token. Only usable with full chain validation; jwtgate ignores it.',
  x5t: 'SHA-1 thumbprint of the signing certificate.',
  'x5t#S256': 'SHA-256 thumbprint of the signing certificate.',
  crit: 'Extensions the verifier must understand, or reject the token.',
  b64: 'false means an unencoded payload (RFC 7797); jwtgate refuses it.',
  zip: 'Compression (JWE only); meaningless on a signed token.',
  enc: 'Content encryption algorithm: this would be an encrypted token (JWE).',
};

const CLAIMS = {
  iss: 'Issuer: who created and signed the token. Compare exactly with the expected issuer.',
  sub: 'Subject: the user or client the token is about.',
  aud: 'Audience: the recipients the token is meant for. A service must reject tokens not meant for it.',
  exp: 'Expiration time: the token must not be accepted on or after this time.',
  nbf: 'Not before: the token must not be accepted before this time.',
  iat: 'Issued at: when the token was created.',
  jti: 'JWT ID: a unique identifier, usable to detect replays or revoke the token.',
  scope: 'OAuth scopes granted (space-separated).',
  scp: 'Scopes granted (an array or a string).',
  azp: 'Authorized party: the client the token was issued to (OpenID Connect).',
  client_id: 'The OAuth client the token was issued to (RFC 9068).',
  auth_time: 'When the user authenticated (OpenID Connect).',
  nonce: 'Value binding an ID token to the client\'s authentication request (replay protection).',
  acr: 'Authentication context class: how strongly the user authenticated.',
  amr: 'Authentication methods used (e.g. pwd, otp, mfa).',
  sid: 'Session ID at the identity provider.',
  at_hash: 'Hash of the access token issued with this ID token.',
  c_hash: 'Hash of the authorization code issued with this ID token.',
  name: 'The user\'s full name (OpenID Connect).',
  email: 'The user\'s e-mail address (OpenID Connect). Not proof of ownership unless email_verified is true.',
  email_verified: 'Whether the identity provider verified the e-mail address.',
  preferred_username: 'The user\'s preferred username (not unique, not stable: do not authorize on it).',
  updated_at: 'When the user\'s profile was last updated.',
  roles: 'Roles granted to the subject (application-defined).',
  groups: 'Groups the subject belongs to (application-defined).',
  tid: 'Tenant ID (Microsoft Entra ID).',
  oid: 'Object ID of the user (Microsoft Entra ID).',
  token_use: 'Amazon Cognito: "id" or "access" token.',
  'cognito:groups': 'Amazon Cognito user pool groups of the user.',
  'cognito:username': 'Amazon Cognito user name.',
  username: 'User name (Amazon Cognito access tokens).',
  cnf: 'Confirmation: the key the token is bound to (proof of possession, RFC 7800).',
  act: 'Actor: who is acting on behalf of the subject (token exchange, RFC 8693).',
  may_act: 'Who may act on behalf of the subject (RFC 8693).',
};

// ---------------------------------------------------------------------------------------------
// JSON rendering (pretty, coloured, as text nodes)

function jsonNode(value) {
  const text = JSON.stringify(value, null, 2) ?? String(value);
  const out = document.createDocumentFragment();
  const re = /("(?:[^"\\]|\\.)*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  let last = 0;
  for (let m; (m = re.exec(text));) {
    if (m.index > last) out.append(text.slice(last, m.index));
    if (m[1] && m[2]) {
      out.append(el('span', { class: 'j-key' }, m[1]), m[2]);
    } else if (m[1]) {
      out.append(el('span', { class: 'j-str' }, m[1]));
    } else if (m[3]) {
      out.append(el('span', { class: 'j-lit' }, m[3]));
    } else {
      out.append(el('span', { class: 'j-num' }, m[4]));
    }
    last = re.lastIndex;
  }
  out.append(text.slice(last));
  return out;
}

const short = (value) => (typeof value === 'string' ? value : JSON.stringify(value));

// ---------------------------------------------------------------------------------------------
// base64url (only to show where a malformed segment goes wrong; decoding proper is jwtgate's)

function base64urlToBytes(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const bin = atob(padded);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function base64ToBytes(text) {
  const clean = text.replace(/\s+/g, '');
  return base64urlToBytes(clean.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
}

const bytesToHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function hexToBytes(text) {
  const clean = text.replace(/\s+/g, '').replace(/^0x/i, '');
  if (clean.length % 2 || /[^0-9a-f]/i.test(clean)) throw new Error('not hex: an even number of 0-9, a-f digits');
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}

// ---------------------------------------------------------------------------------------------
// State

const state = {
  token: '', // normalised token text
  decoded: null, // decode() result
  verified: null, // { token, payload } of the last successful verification
};

// ---------------------------------------------------------------------------------------------
// 1. Decode

function normaliseToken(raw) {
  const notes = [];
  let token = raw.trim();
  if (token !== raw && token) notes.push('surrounding whitespace ignored');
  const bearer = /^bearer\s+/i.exec(token);
  if (bearer) {
    token = token.slice(bearer[0].length).trim();
    notes.push('"Bearer " prefix removed');
  }
  if (/^authorization:\s*/i.test(token)) {
    notes.push('this looks like a whole header line: paste only the token');
  }
  return { token, notes };
}

const PART_NAMES = ['header', 'payload', 'signature'];

/** The raw token with its segments colour-coded; `mark` = { segment (0-based), offset } highlights one byte. */
function renderRaw(token, mark) {
  const raw = $('raw');
  raw.replaceChildren();
  const segments = token.split('.');
  segments.forEach((segment, i) => {
    if (i > 0) raw.append(el('span', { class: 'dot' }, '.'));
    const cls = `seg seg-${PART_NAMES[i] ?? 'extra'}`;
    const title = PART_NAMES[i] ? `segment ${i + 1} (${PART_NAMES[i]})` : `segment ${i + 1} (unexpected)`;
    if (mark && mark.segment === i && mark.offset >= 0 && mark.offset < segment.length) {
      raw.append(el('span', { class: cls, title },
        segment.slice(0, mark.offset),
        el('mark', { class: 'bad-byte', 'aria-label': `offending character at offset ${mark.offset}` }, segment[mark.offset]),
        segment.slice(mark.offset + 1)));
    } else {
      raw.append(el('span', { class: cls, title }, segment));
    }
  });
  $('raw-wrap').hidden = false;
}

const CHAR_NAMES = { ' ': 'a space', '\n': 'a line break', '\t': 'a tab', '=': "'=' (base64 padding)", '+': "'+'", '/': "'/'" };

/** A precise explanation of a decode() failure: which segment, which byte, and what to do. */
function explainDecodeError(err, token) {
  const items = [];
  let mark = null;
  const segments = token.split('.');
  // Where the core says the token is at fault (`JwtGateError`'s segment, offset, dots, line, column).
  const part = ['header', 'payload', 'signature'][err.segment - 1];

  if (err.dots !== undefined) {
    const n = err.dots;
    if (n === 4) items.push('Five segments: this is an encrypted token (JWE). It cannot be inspected without the decryption key, and jwtgate only handles signed tokens (JWS).');
    else if (n === 0) items.push('No dot at all: this is not a JWT. A JWT looks like xxxxx.yyyyy.zzzzz (header.payload.signature).');
    else if (n === 1) items.push('Only two segments: the signature segment (and its dot) is missing. An unsigned token still ends with a dot: header.payload.');
    else items.push(`${n + 1} segments: a JWT has exactly three (header.payload.signature).`);
  }
  if (part) {
    const index = err.segment - 1;
    const segment = segments[index] ?? '';
    const start = segments.slice(0, index).reduce((n, s) => n + s.length + 1, 0);
    items.push(`The problem is in segment ${index + 1}, the ${part} (characters ${start + 1}–${start + segment.length} of the token).`);
    if (err.offset !== undefined) {
      const at = err.offset;
      const ch = segment[at];
      mark = { segment: index, offset: at };
      const name = ch === undefined ? 'the end of the segment' : (CHAR_NAMES[ch] ?? `'${ch}' (U+${ch.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')})`);
      items.push(`Offset ${at} of that segment (0-based; character ${start + at + 1} of the token) is ${name}.`);
      if (ch === '+' || ch === '/') items.push('Standard base64 was used instead of base64url: JWTs use \'-\' for \'+\' and \'_\' for \'/\'.');
      if (ch === '=') items.push('JWT segments are base64url without padding: remove trailing \'=\'.');
      if (ch === ' ' || ch === '\n' || ch === '\t') items.push('Whitespace inside the token, often from a line-wrapped copy: remove it.');
      const from = Math.max(0, at - 12);
      items.push(el('span', { class: 'snippet' }, 'Context: ', el('code', {},
        from > 0 ? '…' : '', segment.slice(from, at), el('mark', { class: 'bad-byte' }, ch ?? '␄'), segment.slice(at + 1, at + 13), at + 13 < segment.length ? '…' : '')));
    }
    if (err.line !== undefined && (part === 'header' || part === 'payload')) {
      try {
        const text = new TextDecoder('utf-8', { fatal: false }).decode(base64urlToBytes(segment));
        const lines = text.split('\n');
        const line = err.line;
        const col = err.column;
        const lineText = lines[line - 1] ?? '';
        const from = Math.max(0, col - 30);
        items.push(el('span', { class: 'snippet' }, `The ${part} decodes to text that is not valid JSON at line ${line}, column ${col}: `,
          el('code', {}, from > 0 ? '…' : '', lineText.slice(from, col - 1), el('mark', { class: 'bad-byte' }, lineText[col - 1] ?? '␄'), lineText.slice(col, col + 30), col + 30 < lineText.length ? '…' : '')));
      } catch { /* not decodable: the message says why */ }
    }
  }
  if (!items.length) items.push('See the message above: it is jwtgate\'s, the same a server using jwtgate would log.');
  return { items, mark };
}

function renderDecodeError(err, token) {
  const box = $('decode-error');
  const { items, mark } = explainDecodeError(err, token);
  box.replaceChildren(
    el('h3', {}, 'Not a decodable JWT'),
    el('p', { class: 'err-line' }, el('code', { class: 'err-code' }, err.code ?? 'Error'), ' ', el('span', { class: 'err-message' }, err.message)),
    el('ul', { class: 'explain-list' }, items.map((item) => el('li', {}, item))));
  box.hidden = false;
  renderRaw(token, mark);
}

const SEVERITY_ORDER = { high: 0, medium: 1, low: 2 };

function renderWarnings(warnings) {
  const list = $('warnings');
  list.replaceChildren();
  const sorted = [...warnings].sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3));
  for (const w of sorted) {
    list.append(el('li', { class: `warning sev-${w.severity}`, 'data-code': w.code, 'data-severity': w.severity },
      el('span', { class: 'sev' }, w.severity.toUpperCase()),
      el('span', { class: 'w-body' }, el('code', { class: 'w-code' }, w.code), ' ', el('span', { class: 'w-message' }, w.message))));
  }
  $('warnings-h').textContent = warnings.length
    ? `Security warnings (${countBySeverity(warnings)})`
    : 'Security warnings: none';
  $('warnings-wrap').hidden = false;
}

function countBySeverity(warnings) {
  return ['high', 'medium', 'low']
    .map((s) => [s, warnings.filter((w) => w.severity === s).length])
    .filter(([, n]) => n)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
}

function valueCell(value) {
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) {
    return el('td', { class: 'value' }, el('ul', { class: 'plain' }, value.map((v) => el('li', {}, code(short(v))))));
  }
  return el('td', { class: 'value' }, code(short(value)));
}

function renderHeader(header) {
  $('header-json').replaceChildren(jsonNode(header));
  const body = $('header-table').tBodies[0];
  body.replaceChildren();
  for (const [name, value] of Object.entries(header)) {
    body.append(el('tr', { 'data-param': name },
      el('th', { scope: 'row' }, code(name)), valueCell(value),
      el('td', {}, HEADER_PARAMS[name] ?? 'Not a registered header parameter (application-specific).')));
  }
}

function renderClaims(payload) {
  $('payload-json').replaceChildren(jsonNode(payload));
  const body = $('claims-table').tBodies[0];
  body.replaceChildren();
  const names = Object.keys(payload);
  const registered = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'];
  names.sort((a, b) => {
    const ia = registered.indexOf(a);
    const ib = registered.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  for (const name of names) {
    const value = payload[name];
    const meaning = el('td', {}, el('p', {}, CLAIMS[name] ?? 'Not a registered claim (application-specific).'));
    if (TIME_CLAIMS.has(name)) meaning.append(timeExplanation(name, value));
    if (name === 'scope' && typeof value === 'string') {
      meaning.append(el('p', {}, `${value.split(/\s+/).filter(Boolean).length} scope(s): `, value.split(/\s+/).filter(Boolean).map((s, i) => [i ? ', ' : '', code(s)])));
    }
    body.append(el('tr', { 'data-claim': name, class: registered.includes(name) ? 'registered' : '' },
      el('th', { scope: 'row' }, code(name), registered.includes(name) ? el('span', { class: 'reg' }, ' registered') : null),
      valueCell(value), meaning));
  }
  if (typeof payload.exp === 'number' && typeof payload.iat === 'number') {
    body.append(el('tr', { 'data-claim': '(lifetime)', class: 'derived' },
      el('th', { scope: 'row' }, 'lifetime'), el('td', { class: 'value' }, code(`${payload.exp - payload.iat} s`)),
      el('td', {}, `exp − iat = ${duration(payload.exp - payload.iat)}${payload.exp - payload.iat > 86400 ? ' (over 24 h: long-lived)' : ''}.`)));
  }
}

function renderSignature(decoded) {
  const { signature, signatureBytes, header, algorithm } = decoded;
  $('signature-text').replaceChildren(signature ? signature : '(empty)');
  // What the core says of the header's algorithm: its family, and its signatures' size where fixed.
  const expected = algorithm?.signatureBytes ?? undefined;
  const info = [`${signatureBytes} bytes.`];
  if (expected !== undefined && signatureBytes !== expected) info.push(` ${header.alg} signatures are ${expected} bytes: this one cannot verify.`);
  if ((algorithm?.family === 'pkcs1' || algorithm?.family === 'pss') && signatureBytes) info.push(` RSA signature: ${signatureBytes * 8}-bit modulus.`);
  $('signature-info').replaceChildren(info.join(''), ' ', el('span', { id: 'signature-verdict' }, 'Not verified yet: see step 2.'));
}

function renderDecode() {
  const { token, notes } = normaliseToken($('token').value);
  state.token = token;
  state.decoded = null;
  $('decode-error').hidden = true;
  $('decoded').hidden = true;
  $('decoded-empty').hidden = false;
  $('warnings-wrap').hidden = true;
  $('raw-wrap').hidden = true;
  const status = $('decode-status');
  $('decoded-empty').textContent = token
    ? 'Nothing to show: the token does not decode (see step 1).'
    : 'Paste a token: its header, payload and signature appear here, explained.';
  if (!token) {
    status.textContent = 'Paste a token to decode it.';
    status.className = 'status-line';
    return;
  }
  if (new TextEncoder().encode(token).length > 16384) notes.push('over 16 KiB: a jwtgate Verifier refuses it (maxTokenLength)');
  const noteText = notes.length ? ` (${notes.join('; ')})` : '';
  let decoded;
  try {
    decoded = decode(token, { currentDate: evaluationDate() });
  } catch (err) {
    if (!(err instanceof JwtGateError)) throw err;
    status.textContent = `Cannot decode: ${err.code}: ${err.message}${noteText}`;
    status.className = 'status-line tone-bad';
    renderDecodeError(err, token);
    return;
  }
  state.decoded = decoded;
  renderRaw(token, null);
  renderWarnings(decoded.warnings);
  renderHeader(decoded.header);
  renderClaims(decoded.payload);
  renderSignature(decoded);
  $('decoded').hidden = false;
  $('decoded-empty').hidden = true;
  const high = decoded.warnings.filter((w) => w.severity === 'high').length;
  status.textContent = `Decoded (not verified): alg ${short(decoded.header.alg ?? 'missing')}, ${Object.keys(decoded.payload).length} claims, `
    + `${decoded.warnings.length ? `${decoded.warnings.length} warning(s), ${high} high` : 'no warnings'}${noteText}.`;
  status.className = `status-line ${high ? 'tone-bad' : 'tone-ok'}`;
}

// ---------------------------------------------------------------------------------------------
// 1b. Crafting test tokens (jwtgate/testing's throwaway issuer: WebCrypto, in this page)

const EXAMPLE_CLAIMS = { sub: 'alice', aud: 'orders-api', scope: 'pets:read', role: 'guest', tenant: 't1' };

/** The crafter's claims, or an InputError saying why not. */
function craftedClaims() {
  let claims;
  try {
    claims = JSON.parse($('craft-claims').value.trim() || '{}');
  } catch (err) {
    throw new InputError(`the claims are not valid JSON: ${err.message}`);
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) throw new InputError('the claims must be a JSON object');
  return claims;
}

/**
 * Signs the crafter's claims with a fresh issuer, and puts the token in step 1 and what verifies
 * it in step 2: the public key set, or the secret (a random one as hex).
 */
async function craftToken() {
  const status = $('craft-status');
  const alg = $('craft-alg').value;
  const secret = $('craft-secret').value;
  const exp = $('craft-exp').value.trim();
  try {
    const claims = craftedClaims();
    const issuer = await createTestIssuer({ alg, ...(secret && { secret }) });
    const token = await issuer.sign(claims, { expiresIn: exp === '' ? null : Number(exp), currentDate: evaluationDate() });
    $('token').value = token;
    $('key-kind').value = 'auto';
    $('alg').value = 'auto';
    $('key').value = issuer.secret ? secret || bytesToHex(issuer.secret) : JSON.stringify(issuer.jwks, null, 2);
    $('secret-encoding').value = issuer.secret && !secret ? 'hex' : 'utf8';
    status.textContent = `Signed with ${alg}: ${issuer.secret ? `${secret ? 'your' : 'a random'} secret` : 'a fresh key pair'}; step 2 has ${issuer.secret ? 'the secret' : 'its public key set'}.`;
    status.className = 'hint tone-ok';
    renderAll();
  } catch (err) {
    if (!(err instanceof InputError || err instanceof JwtGateError)) throw err;
    status.textContent = `Not signed: ${err instanceof JwtGateError ? `${err.code}: ` : ''}${err.message}`;
    status.className = 'hint tone-bad';
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Verify

/** What the key box holds: { kind, detail } (kind: secret | pem | jwk | jwks), or null when empty. */
function detectKey(text) {
  const t = text.trim();
  if (!t) return null;
  if (/^-----BEGIN [A-Z0-9 ]+-----/.test(t)) {
    if (/PRIVATE KEY/.test(t)) return { kind: 'pem', detail: 'PEM private key (paste the PUBLIC key instead)' };
    if (/CERTIFICATE/.test(t)) return { kind: 'pem', detail: 'PEM certificate (paste the public key: openssl x509 -pubkey -noout)' };
    return { kind: 'pem', detail: 'PEM public key' };
  }
  if (t.startsWith('{')) {
    try {
      const json = JSON.parse(t);
      if (json && Array.isArray(json.keys)) return { kind: 'jwks', detail: `JWKS with ${json.keys.length} key(s)` };
      if (json && typeof json.kty === 'string') return { kind: 'jwk', detail: `JWK (kty ${json.kty}${json.kid ? `, kid ${json.kid}` : ''})` };
      return { kind: 'jwk', detail: 'JSON, but neither a JWK (no "kty") nor a JWKS (no "keys")' };
    } catch {
      return { kind: 'secret', detail: 'HMAC secret (starts with "{" but is not valid JSON)' };
    }
  }
  return { kind: 'secret', detail: 'HMAC secret' };
}

function secretBytes() {
  const text = $('key').value;
  const encoding = $('secret-encoding').value;
  try {
    if (encoding === 'utf8') return new TextEncoder().encode(text);
    if (encoding === 'hex') return hexToBytes(text);
    if (encoding === 'base64') return base64ToBytes(text);
    const clean = text.trim();
    if (/[^A-Za-z0-9_-]/.test(clean)) throw new Error('base64url uses only A–Z a–z 0–9 - _');
    return base64urlToBytes(clean);
  } catch (e) {
    throw new InputError(`the secret is not valid ${encoding}: ${e.message}`);
  }
}

/** A problem with the page's own input (before jwtgate is called). */
class InputError extends Error {}

const HMAC = ['HS256', 'HS384', 'HS512'];

/** The algorithm for a secret or PEM key: the selector, or the token's `alg` when it fits. */
function chosenAlg(kind) {
  const selected = $('alg').value;
  if (selected !== 'auto') return { alg: selected, how: 'selected' };
  const alg = state.decoded?.header?.alg;
  if (kind === 'secret') {
    if (HMAC.includes(alg)) return { alg, how: 'from the token header' };
    return { alg: 'HS256', how: alg ? `default: the token says ${alg}, which a secret cannot verify` : 'default' };
  }
  if (typeof alg === 'string' && alg !== 'none' && !HMAC.includes(alg)) return { alg, how: 'from the token header' };
  throw new InputError(`choose the algorithm of this PEM key (the token header says ${alg === undefined ? 'nothing' : JSON.stringify(alg)})`);
}

function keySetFromInput() {
  const text = $('key').value;
  const detected = detectKey(text);
  const kind = $('key-kind').value === 'auto' ? detected?.kind : $('key-kind').value;
  if (!detected) return null;
  let keys;
  let alg;
  if (kind === 'secret') {
    alg = chosenAlg('secret');
    const bytes = secretBytes();
    keys = KeySet.fromSecret(bytes, { alg: alg.alg });
  } else if (kind === 'pem') {
    alg = chosenAlg('pem');
    keys = KeySet.fromPem(text.trim(), { alg: alg.alg });
  } else if (kind === 'jwk') {
    keys = KeySet.fromJwk(text);
  } else {
    keys = KeySet.fromJwks(text);
  }
  return { keys, kind, alg, detected };
}

function listOption(id) {
  const values = $(id).value.split(',').map((s) => s.trim()).filter(Boolean);
  if (!values.length) return undefined;
  return values.length === 1 ? values[0] : values;
}

function keyDescription(info) {
  const parts = [info.alg ?? info.algorithms.join('/'), info.kty];
  if (info.kid !== undefined) parts.push(`kid ${info.kid}`);
  if (info.crv) parts.push(info.crv);
  if (info.bits) parts.push(`${info.bits} bits`);
  return parts.join(', ');
}

const VERIFY_HINTS = {
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'The signature does not match: wrong key or secret (or its encoding), or the token was altered.',
  ERR_JWT_EXPIRED: 'The token is past its exp (plus the clock tolerance), or older than a maximum age.',
  ERR_JWT_CLAIM_VALIDATION_FAILED: 'A claim check failed: see claim and reason.',
  ERR_JWKS_NO_MATCHING_KEY: 'No key fits the token\'s kid and alg: check the kid, and the algorithm the key is pinned to.',
  ERR_JOSE_ALG_NOT_ALLOWED: 'This algorithm is refused (alg "none" always is).',
  ERR_JOSE_NOT_SUPPORTED: 'jwtgate does not support this algorithm, crit extension or cty.',
  ERR_JWS_INVALID: 'The token is not a well-formed compact JWS: see step 1.',
  ERR_JWT_INVALID: 'The payload is not a JSON object: see step 1.',
  ERR_JWK_INVALID: 'The key could not be used: see the message.',
  ERR_JWKS_INVALID: 'Not a usable JSON Web Key Set.',
  ERR_JWTGATE_INVALID_OPTIONS: 'An option is malformed: see field.',
};

function errorDetails(err) {
  const rows = [['code', err.code], ['message', err.message]];
  if (err.claim !== undefined) rows.push(['claim', err.claim]);
  if (err.reason !== undefined) rows.push(['reason', err.reason]);
  if (err.field !== undefined) rows.push(['field', err.field]);
  return el('dl', { class: 'kv' }, rows.map(([k, v]) => [el('dt', {}, k), el('dd', { class: `err-${k}` }, k === 'code' || k === 'field' || k === 'claim' ? code(v) : v)]));
}

function setSignatureVerdict(text, tone = '') {
  const span = $('signature-verdict');
  if (!span) return;
  span.textContent = text;
  span.className = tone;
}

function renderVerify() {
  setSignatureVerdict('Not verified yet: see step 2.');
  const out = $('verify-result');
  const detectedText = $('key-detected');
  state.verified = null;
  const detected = detectKey($('key').value);
  detectedText.textContent = detected ? `Detected: ${detected.detail}` : '';
  if (!detected) {
    out.replaceChildren(el('p', { class: 'muted' }, 'Paste a secret, PEM public key, JWK or JWKS (or fetch a JWKS) to verify the token.'));
    out.dataset.outcome = 'idle';
    return;
  }
  if (!state.token) {
    out.replaceChildren(el('p', { class: 'muted' }, 'Paste a token in step 1.'));
    out.dataset.outcome = 'idle';
    return;
  }
  let loaded;
  try {
    loaded = keySetFromInput();
  } catch (err) {
    out.dataset.outcome = 'key-error';
    if (err instanceof InputError) {
      out.replaceChildren(el('p', { class: 'verdict tone-bad' }, 'Key not usable'), el('p', {}, err.message));
    } else if (err instanceof JwtGateError) {
      out.replaceChildren(el('p', { class: 'verdict tone-bad' }, '✗ The key could not be loaded'), errorDetails(err));
    } else throw err;
    return;
  }
  const { keys, kind, alg } = loaded;
  const keyInfo = keys.keys;
  const skipped = keys.skipped;
  detectedText.textContent = `${$('key-kind').value === 'auto' ? 'Detected' : 'Using'}: ${kind === 'secret' ? 'HMAC secret' : kind === 'pem' ? 'PEM public key' : kind.toUpperCase()}`
    + `${alg ? `, ${alg.alg} (${alg.how})` : ''}; ${keyInfo.length} usable key(s)${skipped.length ? `, ${skipped.length} skipped` : ''}`;

  const options = { keys, requireExpiration: $('require-exp').checked, currentDate: evaluationDate() };
  const issuer = listOption('issuer');
  const audience = listOption('audience');
  const tolerance = $('tolerance').value.trim();
  if (issuer !== undefined) options.issuer = issuer;
  if (audience !== undefined) options.audience = audience;
  if (tolerance) options.clockTolerance = /^\d+(\.\d+)?$/.test(tolerance) ? Number(tolerance) : tolerance;

  const keysBlock = el('details', { class: 'keys' }, el('summary', {}, `Key set: ${keyInfo.length} usable key(s)${skipped.length ? `, ${skipped.length} skipped` : ''}`),
    el('ul', {}, keyInfo.map((k) => el('li', {}, keyDescription(k))),
      skipped.map((s) => el('li', { class: 'skipped' }, `skipped #${s.index}${s.kid !== undefined ? ` (kid ${s.kid})` : ''}: ${s.reason}`))));

  try {
    const verifier = new Verifier(options);
    const result = verifier.verify(state.token);
    state.verified = { token: state.token, payload: result.payload };
    const checks = [`signature (${result.alg})`];
    if (typeof result.payload.exp === 'number' || options.requireExpiration) checks.push('exp');
    if (result.payload.nbf !== undefined) checks.push('nbf');
    if (result.payload.iat !== undefined) checks.push('iat');
    if (issuer !== undefined) checks.push('iss');
    if (audience !== undefined) checks.push('aud');
    out.dataset.outcome = 'valid';
    setSignatureVerdict(`Verified with ${result.alg} in step 2.`, 'tone-ok');
    out.replaceChildren(
      el('p', { class: 'verdict tone-ok' }, `✓ Valid: signature verified with ${result.alg}`),
      el('p', {}, `Checked: ${checks.join(', ')}${issuer === undefined ? '. Issuer not checked (no issuer given)' : ''}${audience === undefined ? '. Audience not checked (no audience given)' : ''}.`),
      keysBlock);
  } catch (err) {
    if (!(err instanceof JwtGateError)) throw err;
    out.dataset.outcome = 'invalid';
    out.dataset.code = err.code;
    setSignatureVerdict(`Step 2 rejects the token: ${err.code}.`, 'tone-bad');
    out.replaceChildren(
      el('p', { class: 'verdict tone-bad' }, `✗ Invalid: ${err.code}`),
      errorDetails(err),
      VERIFY_HINTS[err.code] ? el('p', { class: 'hint' }, VERIFY_HINTS[err.code]) : null,
      keysBlock);
  }
}

async function fetchJwks() {
  const out = $('verify-result');
  const url = $('jwks-url').value.trim();
  if (!url) {
    out.dataset.outcome = 'key-error';
    out.replaceChildren(el('p', { class: 'verdict tone-bad' }, 'Enter the JWKS URL first.'));
    $('jwks-url').focus();
    return;
  }
  const button = $('fetch-jwks');
  button.disabled = true;
  out.dataset.outcome = 'fetching';
  out.replaceChildren(el('p', {}, `Fetching ${url} …`));
  let body;
  try {
    // The one request the page makes: no cookies, no referrer.
    const remote = new RemoteKeySet({
      jwksUri: url,
      timeoutMs: 10_000,
      fetch: async (input, init) => {
        const response = await fetch(input, { ...init, credentials: 'omit', referrerPolicy: 'no-referrer', cache: 'no-store' });
        body = response.clone().text().catch(() => '');
        return response;
      },
    });
    await remote.getKeySet();
    const text = await body;
    try {
      $('key').value = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      $('key').value = text;
    }
    $('key-kind').value = 'jwks';
    renderAll();
  } catch (err) {
    out.dataset.outcome = 'key-error';
    const hint = err instanceof JwtGateError && err.code === 'ERR_JWKS_FETCH_FAILED'
      ? el('p', { class: 'hint' }, 'A network error here is often CORS: the identity provider must allow this origin. You can paste the JWKS instead.')
      : null;
    out.replaceChildren(el('p', { class: 'verdict tone-bad' }, '✗ Could not fetch the JWKS'),
      err instanceof JwtGateError ? errorDetails(err) : el('p', {}, String(err?.message ?? err)), hint);
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Policy

const EXAMPLE_POLICY = {
  principalId: 'sub',
  context: { user: 'sub', tenant: 'tenant' },
  rules: [
    { id: 'read-pets', effect: 'allow', routes: ['GET /pets', 'GET /pets/{petId}'], scopes: { anyOf: ['pets:read', 'pets:admin'] } },
    { id: 'write-pets', effect: 'allow', routes: ['POST /pets', 'PUT /pets/{petId}'], scopes: { allOf: ['pets:write'] } },
    { id: 'own-profile', effect: 'allow', routes: ['* /users/{userId}/**'], when: [{ claim: 'sub', equalsParam: 'userId' }] },
    { id: 'no-guests-in-admin', effect: 'deny', routes: ['* /admin/**'], when: [{ claim: 'role', equals: 'guest' }] },
  ],
};

/** A source excerpt at the line and column (from 1) the core gave a policy that is not JSON. */
function policySnippet({ line, column: col }, text) {
  if (line === undefined || col === undefined) return null;
  const lineText = text.split('\n')[line - 1];
  if (lineText === undefined) return null;
  const from = Math.max(0, col - 40);
  return el('p', { class: 'snippet' }, `Line ${line}, column ${col}: `,
    el('code', {}, from > 0 ? '…' : '', lineText.slice(from, Math.max(0, col - 1)), el('mark', { class: 'bad-byte' }, lineText[col - 1] ?? '␄'), lineText.slice(col, col + 40)));
}

function renderPolicy() {
  const out = $('policy-result');
  const text = $('policy').value;
  delete out.dataset.allowed;
  if (!text.trim()) {
    out.dataset.outcome = 'idle';
    out.replaceChildren(el('p', { class: 'muted' }, 'Paste a policy document (or insert the example) to simulate a decision.'));
    return;
  }
  let policy;
  try {
    policy = new Policy(text);
  } catch (err) {
    if (!(err instanceof JwtGateError)) throw err;
    out.dataset.outcome = 'policy-error';
    out.replaceChildren(el('p', { class: 'verdict tone-bad' }, '✗ The policy does not load'), errorDetails(err), policySnippet(err, text));
    return;
  }
  if (!state.decoded) {
    out.dataset.outcome = 'idle';
    out.replaceChildren(el('p', { class: 'muted' }, 'The policy loads. Paste a decodable token in step 1: its payload is the claims.'));
    return;
  }
  const verified = state.verified && state.verified.token === state.token;
  const claims = verified ? state.verified.payload : state.decoded.payload;
  const method = $('method').value.trim() || 'GET';
  const path = $('path').value.trim() || '/';
  let result;
  try {
    result = policy.decide({ method, path, claims });
  } catch (err) {
    if (!(err instanceof JwtGateError)) throw err;
    out.dataset.outcome = 'decide-error';
    out.replaceChildren(el('p', { class: 'verdict tone-bad' }, '✗ No decision'), errorDetails(err));
    return;
  }
  const { decision, principalId, context } = result;
  out.dataset.outcome = 'decided';
  out.dataset.allowed = String(decision.allowed);
  const trace = el('table', { class: 'trace' },
    el('caption', {}, 'Explanation: every rule, and why it did or did not apply'),
    el('thead', {}, el('tr', {}, ['Rule', 'Effect', 'Applied', 'Failed check', 'Expected', 'Actual'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, decision.trace.map((t) => el('tr', {
      'data-rule': t.rule,
      class: [t.applied ? 'applied' : 'not-applied', t.rule === decision.rule ? 'decisive' : ''].join(' '),
    },
    el('th', { scope: 'row' }, code(t.rule), t.rule === decision.rule ? el('span', { class: 'decider' }, ' decided') : null),
    el('td', { class: `effect-${t.effect}` }, t.effect),
    el('td', {}, t.applied ? 'yes' : 'no'),
    el('td', { class: t.failed ? 'check' : 'check empty' }, t.failed ? code(t.failed.check) : '—'),
    el('td', { class: t.failed ? 'expected' : 'expected empty' }, t.failed ? code(t.failed.expected) : '—'),
    el('td', { class: t.failed ? 'actual' : 'actual empty' }, t.failed ? (t.failed.actual === undefined ? el('em', {}, '(absent)') : code(short(t.failed.actual))) : '—')))));
  const contextEntries = Object.entries(context ?? {});
  out.replaceChildren(
    el('p', { class: `verdict ${decision.allowed ? 'tone-ok' : 'tone-bad'}` }, decision.allowed ? `✓ ALLOW ${method.toUpperCase()} ${path}` : `✗ DENY ${method.toUpperCase()} ${path}`),
    el('p', { class: 'reason' }, decision.reason),
    el('dl', { class: 'kv' },
      el('dt', {}, 'rule'), el('dd', {}, decision.rule ? code(decision.rule) : 'none (default deny)'),
      el('dt', {}, 'principalId'), el('dd', {}, principalId === null ? el('em', {}, 'none') : code(principalId)),
      el('dt', {}, 'context'), el('dd', {}, contextEntries.length ? contextEntries.map(([k, v], i) => [i ? ', ' : '', code(`${k}=${short(v)}`)]) : el('em', {}, 'empty')),
      el('dt', {}, 'claims'), el('dd', { class: verified ? 'tone-ok' : 'tone-warn' }, verified ? 'from the verified token' : 'from the decoded token, NOT verified (step 2)')),
    trace);
}

// ---------------------------------------------------------------------------------------------
// 4. What API Gateway caches (cache.js asks the real authorizer)

const EXAMPLE_ROUTES = ['GET /pets', 'GET /pets/{petId}', 'POST /pets', 'PUT /pets/{petId}', 'GET /users/{userId}/profile', 'DELETE /admin/users/{id}'];
const EXAMPLE_SAMPLES = 'userId = alice, bob';

const STATUS_WORDS = { 200: 'allow', 403: 'deny', 401: 'unauthorized' };

/** `GET /pets/1`, or a WebSocket route key. */
const requestName = (row) => (row.path === undefined ? row.method : `${row.method} ${row.path}`);

const VERDICTS = {
  same: { text: 'same', tone: 'ok' },
  narrowed: { text: 'narrowed: a 403 from the cache', tone: 'warn' },
  'over-granted': { text: 'OVER-GRANTED: the cache allows what the policy refuses', tone: 'bad' },
  uncached: { text: 'nothing cached', tone: 'neutral' },
};

let cacheRun = 0; // the latest simulation: an older one that finishes later is not shown

/** What the panel needs before it can simulate: a message, or null when it can. */
function cacheInputsMissing() {
  if (!$('cache-routes').value.trim()) return 'List routes (or paste an OpenAPI document) to see what API Gateway caches for this token.';
  if (!$('policy').value.trim()) return 'Write a policy in step 3: the cached answer is worked out from it.';
  if (!state.decoded) return 'Paste or craft a token in step 1: its claims are the principal\'s.';
  return null;
}

async function renderCache() {
  const out = $('cache-result');
  const run = ++cacheRun;
  const missing = cacheInputsMissing();
  if (missing) {
    out.dataset.outcome = 'idle';
    out.replaceChildren(el('p', { class: 'muted' }, missing));
    return;
  }
  const choice = $('cache-shape').value;
  const verified = state.verified && state.verified.token === state.token;
  let result;
  try {
    const websocket = shapeOf(choice).shape === 'websocket';
    const requests = requestsOf(readRoutes($('cache-routes').value, { websocket }), readSamples($('cache-samples').value));
    out.dataset.outcome = 'working';
    result = await simulate({ choice, policy: $('policy').value, claims: verified ? state.verified.payload : state.decoded.payload, requests, currentDate: evaluationDate() });
  } catch (err) {
    if (run !== cacheRun) return;
    if (err instanceof RouteError) {
      out.dataset.outcome = 'route-error';
      out.replaceChildren(el('p', { class: 'verdict tone-bad' }, '✗ The routes do not read'), el('p', { class: 'route-error' }, err.message));
    } else if (err instanceof JwtGateError) {
      out.dataset.outcome = 'policy-error';
      out.replaceChildren(el('p', { class: 'verdict tone-bad' }, '✗ No answer (see step 3 for the policy)'), errorDetails(err));
    } else throw err;
    return;
  }
  if (run !== cacheRun) return;
  showCache(out, result, verified);
}

function showCache(out, { report, first, response, rows }, verified) {
  const count = (verdict) => rows.filter((row) => row.verdict === verdict).length;
  const over = count('over-granted');
  const narrowed = count('narrowed');
  out.dataset.outcome = 'simulated';
  out.dataset.overGranted = String(over);
  out.dataset.narrowed = String(narrowed);
  out.replaceChildren();
  append(out, [
    el('p', { class: `verdict ${first.status === 200 ? 'tone-ok' : 'tone-bad'}` },
      `First request ${requestName(rows[0])}: ${first.status} (${STATUS_WORDS[first.status]})`,
      first.status === 401 ? `: ${first.error?.code}: ${first.error?.message}. Nothing is cached.` : '. API Gateway caches this answer for the token and reuses it on every route below.'),
    el('p', { class: verified ? 'tone-ok' : 'tone-warn' }, verified ? 'Claims from the verified token.' : 'Claims from the decoded token, NOT verified (step 2).'),
    over ? el('p', { class: 'alarm', role: 'alert' }, `⚠ ${over} request(s) OVER-GRANTED: the cached answer allows what a fresh decision refuses. See the remedies below.`) : null,
    narrowed ? el('p', { class: 'tone-warn narrowed-note' }, `${narrowed} request(s) narrowed: the cached answer denies what a fresh decision allows; clients get a 403 from the cache until the TTL runs out.`) : null,
    cacheTable(rows),
    reportBlock(report),
    response ? el('details', { class: 'cached', open: true }, el('summary', {}, 'The cached answer, as the authorizer returned it for the first request'),
      el('pre', { id: 'cached-answer', class: 'json' }, jsonNode(response))) : null]);
}

function cacheTable(rows) {
  return el('table', { id: 'cache-table', class: 'cache' },
    el('caption', {}, 'Route by route: the cached answer beside a fresh decision'),
    el('thead', {}, el('tr', {}, ['Route', 'Request', 'ARN', 'Cached answer', 'Fresh decision', 'Verdict'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows.map((row) => {
      const verdict = VERDICTS[row.verdict];
      const fresh = row.fresh;
      return el('tr', {
        class: `verdict-${row.verdict}`, 'data-request': requestName(row), 'data-cached': row.cached ?? '', 'data-fresh': fresh.status, 'data-verdict': row.verdict,
      },
      el('th', { scope: 'row' }, code(row.route === null ? row.method : `${row.method} ${row.route}`)),
      el('td', {}, code(requestName(row))),
      el('td', { class: 'arn' }, code(row.arn)),
      el('td', { class: `cached effect-${(row.cached ?? 'none').toLowerCase()}` }, row.cached ?? '—'),
      el('td', { class: 'fresh' }, `${fresh.status} ${STATUS_WORDS[fresh.status]}`, fresh.decision?.rule ? [' (', code(fresh.decision.rule), ')'] : null),
      el('td', { class: `tone-${verdict.tone}` }, verdict.text));
    })));
}

/** One principal class with an inexact answer: the rules it meets, the patterns left out, a request over-denied. */
function inexactClass({ meets, narrowed, overDenied }) {
  return el('li', {},
    'Principals meeting ', meets.length ? meets.map((r, i) => [i ? ', ' : '', code(r)]) : 'no rule',
    narrowed.map((n, i) => [i ? '; ' : ': left out ', code(n.resource), ` (rule ${n.rule}, ${n.route}): ${n.reason}`]),
    overDenied ? ['; over-denied, e.g. ', code(overDenied)] : null, '.');
}

/** The authorizer's load-time report (`cacheReport()`): inexact classes, and the remedies. */
function reportBlock(report) {
  return el('div', { class: 'report' },
    el('h3', {}, 'Load-time cache report (cacheReport())'),
    el('p', { class: report.exact ? 'tone-ok' : 'tone-warn' },
      report.exact ? 'Every principal class checked gets an exact answer' : `${report.inexact.length} principal class(es) get a narrowed IAM answer`,
      ` (${report.classesChecked} class(es) checked${report.allClasses ? '' : ', a sample'}; the policy ${report.routeDependent ? 'decides' : 'does not decide'} by route; largest answer ${report.largestAnswerBytes} bytes).`),
    report.inexact.length ? el('ul', { class: 'inexact' }, report.inexact.map(inexactClass)) : null,
    el('h4', {}, 'Remedies'),
    report.remedies.length
      ? el('ul', { id: 'cache-remedies' }, report.remedies.map((r) => el('li', {}, r)))
      : el('p', { id: 'cache-remedies', class: 'muted' }, 'None needed.'));
}

// ---------------------------------------------------------------------------------------------
// Wiring

function renderAll() {
  renderDecode();
  renderVerify();
  renderPolicy();
  renderCache();
}

function debounce(fn, ms) {
  let timer;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

async function main() {
  const engine = $('engine');
  try {
    await init();
  } catch (err) {
    engine.textContent = `The jwtgate WebAssembly module did not load: ${err?.message ?? err}`;
    engine.className = 'engine tone-bad';
    return;
  }
  engine.textContent = 'jwtgate is ready: everything below runs in this page.';
  engine.className = 'engine tone-ok';

  const later = debounce(renderAll, 120);
  for (const id of ['token', 'key', 'issuer', 'audience', 'tolerance', 'policy', 'method', 'path']) $(id).addEventListener('input', later);
  for (const id of ['at', 'key-kind', 'alg', 'secret-encoding', 'require-exp']) $(id).addEventListener('change', renderAll);
  $('verify').addEventListener('click', renderAll);
  $('decide').addEventListener('click', renderPolicy);
  $('craft-claims').value = JSON.stringify(EXAMPLE_CLAIMS, null, 2);
  $('craft-sign').addEventListener('click', craftToken);
  for (const id of ['cache-routes', 'cache-samples']) $(id).addEventListener('input', debounce(renderCache, 200));
  $('cache-shape').addEventListener('change', renderCache);
  $('cache-run').addEventListener('click', renderCache);
  $('cache-example').addEventListener('click', () => {
    $('cache-routes').value = EXAMPLE_ROUTES.join('\n');
    $('cache-samples').value = EXAMPLE_SAMPLES;
    renderCache();
  });
  $('fetch-jwks').addEventListener('click', fetchJwks);
  $('jwks-url').addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); fetchJwks(); } });
  $('clear-token').addEventListener('click', () => { $('token').value = ''; renderAll(); $('token').focus(); });
  $('policy-example').addEventListener('click', () => {
    $('policy').value = JSON.stringify(EXAMPLE_POLICY, null, 2);
    renderPolicy();
    renderCache();
    $('policy').focus();
  });
  // Relative times ("expires in 4 min") stay current.
  setInterval(() => document.querySelectorAll('.rel').forEach(updateRelative), 5000);

  renderAll();
  document.documentElement.dataset.ready = 'true';
}

main();
