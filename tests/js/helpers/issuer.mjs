// A local OIDC issuer over HTTP on 127.0.0.1 (http is accepted for localhost only): a discovery
// document and a JWKS with one ES256 key, and `sign(claims)` with it (jose).
import http from 'node:http';
import * as jose from 'jose';

export async function startIssuer({ audience }) {
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256');
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  let issuer;
  const server = http.createServer((req, res) => {
    const json = (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/.well-known/openid-configuration') json({ issuer, jwks_uri: `${issuer}/jwks.json` });
    else if (req.url === '/jwks.json') json({ keys: [jwk] });
    else res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${server.address().port}`;
  return {
    issuer,
    sign: (claims) => new jose.SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime('5m').sign(privateKey),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
