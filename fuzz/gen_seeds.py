#!/usr/bin/env python3
"""Regenerates the committed seed corpus (fuzz/corpus/*/seed-*) and prints the public keys the
fuzz targets embed (fuzz/fuzz_targets/common/mod.rs).

Keys are the integration tests' fixed keys: the 32-byte HS256 secret, the P-256 key with
scalar 0x0101…01 (TestKey::p256(1)) and the 2048-bit RSA key of tests/common/mod.rs. Tokens
are valid at NOW = 1_700_000_000 (the targets' fixed clock) for one hour, plus up to a year
for the API Gateway seeds so that mutations of the event keep reaching the policy.

Needs python3-cryptography. Run from the repository root: python3 fuzz/gen_seeds.py
"""
import base64
import hashlib
import hmac
import json
import os
import re
import shutil

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
NOW = 1_700_000_000
SECRET = b"0123456789abcdef0123456789abcdef"
ISS = "https://issuer.example"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def rsa_key():
    src = open(os.path.join(ROOT, "tests", "common", "mod.rs")).read()
    m = re.search(r'RSA_PRIVATE_PEM: &str = "(.*?)";', src, re.S)
    pem = m.group(1).replace("\\n\\\n", "\n").replace("\\n", "\n")
    return serialization.load_pem_private_key(pem.encode(), None)


EC_KEY = ec.derive_private_key(int("01" * 32, 16), ec.SECP256R1())
# TestKey::p384(1) and TestKey::p521(1): the pure-Rust P-384 and P-521 code gets fuzzed too.
EC384_KEY = ec.derive_private_key(int("01" * 48, 16), ec.SECP384R1())
EC521_KEY = ec.derive_private_key(int("01" * 65, 16), ec.SECP521R1())
RSA_KEY = rsa_key()


ECDSA = {
    "ES256": (EC_KEY, hashes.SHA256(), 32),
    "ES384": (EC384_KEY, hashes.SHA384(), 48),
    "ES512": (EC521_KEY, hashes.SHA512(), 66),
}


def sign(alg: str, data: bytes) -> bytes:
    if alg == "HS256":
        return hmac.new(SECRET, data, hashlib.sha256).digest()
    if alg in ECDSA:
        key, hash_, size = ECDSA[alg]
        der = key.sign(data, ec.ECDSA(hash_, deterministic_signing=True))
        r, s = utils.decode_dss_signature(der)
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    if alg == "RS256":
        return RSA_KEY.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if alg == "PS256":
        return RSA_KEY.sign(
            data,
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=0),  # deterministic seeds
            hashes.SHA256(),
        )
    return b"\x5a" * 32


def token(header: dict, payload: dict, alg=None) -> str:
    h = b64(json.dumps(header, separators=(",", ":")).encode())
    p = b64(json.dumps(payload, separators=(",", ":")).encode())
    sig = sign(alg or header.get("alg", ""), f"{h}.{p}".encode())
    return f"{h}.{p}.{b64(sig)}"


def claims(**extra):
    c = {"iss": ISS, "sub": "alice", "aud": "api", "iat": NOW - 60, "exp": NOW + 3600}
    c.update(extra)
    return {k: v for k, v in c.items() if v is not None}


def ec_jwk(key=EC_KEY, crv="P-256", size=32):
    n = key.public_key().public_numbers()
    return {"kty": "EC", "crv": crv, "x": b64(n.x.to_bytes(size, "big")), "y": b64(n.y.to_bytes(size, "big"))}


def rsa_jwk():
    n = RSA_KEY.public_key().public_numbers()
    return {"kty": "RSA", "n": b64(n.n.to_bytes(256, "big")), "e": b64(n.e.to_bytes(3, "big"))}


def write(target: str, name: str, data):
    if isinstance(data, (dict, list)):
        data = json.dumps(data, separators=(",", ":"))
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(CORPUS, target, f"seed-{name}"), "wb") as f:
        f.write(data)


def main():
    for target in ["verify", "jwks", "policy", "apigw", "crypto_diff"]:
        d = os.path.join(CORPUS, target)
        if os.path.isdir(d):
            for f in os.listdir(d):
                if f.startswith("seed-"):
                    os.remove(os.path.join(d, f))
        os.makedirs(d, exist_ok=True)

    ec_pub = dict(ec_jwk(), kid="es", alg="ES256", use="sig")
    rsa_pub = dict(rsa_jwk(), kid="rs", alg="RS256")
    print("ES256 JWK:", json.dumps(ec_pub, separators=(",", ":")))
    print("RSA JWK:  ", json.dumps(rsa_pub, separators=(",", ":")))
    print("ES384 JWK:", json.dumps(dict(ec_jwk(EC384_KEY, "P-384", 48), kid="es384", alg="ES384"), separators=(",", ":")))
    print("ES512 JWK:", json.dumps(dict(ec_jwk(EC521_KEY, "P-521", 66), kid="es512", alg="ES512"), separators=(",", ":")))

    # --- verify: tokens -------------------------------------------------------------------
    hs = {"alg": "HS256", "typ": "JWT", "kid": "hs"}
    write("verify", "hs256-valid", token(hs, claims()))
    write("verify", "hs256-nokid", token({"alg": "HS256"}, claims(jti="1", nbf=NOW - 10)))
    write("verify", "es256-valid", token({"alg": "ES256", "kid": "es", "typ": "JWT"}, claims(aud=["x", "api"])))
    write("verify", "rs256-valid", token({"alg": "RS256", "kid": "rs"}, claims(scope="a b")))
    write("verify", "es384-valid", token({"alg": "ES384", "kid": "es384"}, claims()))
    write("verify", "es512-valid", token({"alg": "ES512", "kid": "es512"}, claims()))
    write("verify", "ps256-wrong-alg", token({"alg": "PS256", "kid": "rs"}, claims()))
    write("verify", "hs256-expired", token(hs, claims(exp=NOW - 100)))
    write("verify", "hs256-no-exp", token(hs, claims(exp=None)))
    write("verify", "hs256-bad-aud", token(hs, claims(aud=5, iss=["x"])))
    write("verify", "hs256-crit", token({"alg": "HS256", "crit": ["b64"], "b64": False}, claims()))
    write("verify", "hs256-cty", token({"alg": "HS256", "cty": "JWT", "jku": "https://x", "jwk": {}}, claims()))
    write("verify", "alg-none", token({"alg": "none"}, claims()).rsplit(".", 1)[0] + ".")
    write("verify", "jwtio-example",
          "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwi"
          "YWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.KMUFsIDTnFmyG3nMiGM6H9FNFUROf3wh7SmqJp-QV30")
    h = b64(b'{"alg":"HS256","alg":"RS256"}')
    write("verify", "dup-member", f"{h}.{b64(b'{}')}.AAAA")
    write("verify", "payload-array", token(hs, []))  # type: ignore[arg-type]
    write("verify", "big-numbers", b64(b'{"alg":"ES256"}') + "." + b64(b'{"exp":1e400,"iat":-0.5}') + "." + b64(bytes(64)))
    write("verify", "two-segments", "eyJhbGciOiJIUzI1NiJ9.e30")
    write("verify", "bad-base64", "eyJhbGciOiJIUzI1NiJ9.e3+/.A=")

    # --- jwks: JWKS, JWK and PEM texts ----------------------------------------------------
    okp = {"kty": "OKP", "crv": "Ed25519", "x": b64(bytes(range(32)))}
    oct_ = {"kty": "oct", "k": b64(SECRET), "alg": "HS256", "kid": "hs"}
    write("jwks", "jwks-mixed", {"keys": [oct_, ec_pub, rsa_pub, dict(okp, kid="ed"),
                                           dict(ec_jwk(), use="enc", kid="e2"),
                                           dict(ec_jwk(), key_ops=["sign"], d=b64(b"x" * 32)),
                                           {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"},
                                           {"kty": "RSA", "n": "AQAB", "e": "AQAB"}]})
    write("jwks", "jwk-ec", ec_pub)
    write("jwks", "jwk-rsa", dict(rsa_jwk(), alg="PS256"))
    write("jwks", "jwk-okp", okp)
    write("jwks", "jwk-oct", {"kty": "oct", "k": b64(SECRET * 2)})
    pub_ec = EC_KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    pub_rsa_pkcs1 = RSA_KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    write("jwks", "pem-spki-ec", pub_ec)
    write("jwks", "pem-pkcs1-rsa", pub_rsa_pkcs1)
    write("jwks", "pem-spki-ed25519",
          "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n")
    write("jwks", "pem-private",
          "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n")
    write("jwks", "not-a-keyset", '{"keys":{"kty":"EC"}}')
    write("jwks", "deep", "[" * 200)

    # --- policy: policy documents ---------------------------------------------------------
    write("policy", "lambda-example", open(os.path.join(ROOT, "examples", "lambda", "policy.json")).read())
    write("policy", "all-operators", {
        "rules": [
            {"id": "a", "effect": "allow", "routes": ["GET /pets/{petId}", "ANY /files/{proxy+}", "* /x/*/y"],
             "scopes": {"anyOf": ["pets:read"], "allOf": ["a", "b"]},
             "when": [{"claim": "tenant", "in": ["t1", 2, None]},
                      {"claim": "roles", "containsAll": ["x"]},
                      {"claim": "email", "suffix": "@example.com"},
                      {"claim": "email", "prefix": "a"},
                      {"claim": "address.country", "regex": "[A-Z]{2}|(a|b)*c"},
                      {"claim": "deleted", "exists": False},
                      {"claim": "org", "equals": {"id": 1}}]},
            {"id": "p", "effect": "allow", "routes": ["GET /pets/{petId}", "PUT /owners/{petId}/x"],
             "when": [{"claim": "petId", "equalsParam": "petId"}]},
            {"id": "d", "effect": "deny", "routes": ["* /admin/**", "$connect"], "description": "x"},
            {"id": "ws", "effect": "allow", "routes": ["$default", "$disconnect"]},
        ],
        "principalId": "https://example.com/uid",
        "context": {"tenant": "tenant", "roles": "roles", "c": "address.country"},
        "scopeClaims": ["scope", "scp", "permissions"],
    })
    write("policy", "bad-operator", '{"rules":[{"id":"x","effect":"allow","routes":["GET /"],"when":[{"claim":"a","matches":"b"}]}]}')
    write("policy", "bad-route", '{"rules":[{"id":"x","effect":"allow","routes":["GET /a//{b}/**/c"]}]}')
    write("policy", "bad-regex", '{"rules":[{"id":"x","effect":"allow","routes":["GET /"],"when":[{"claim":"a","regex":"(?P<x"}]}]}')

    # --- apigw: events (real captures, verbatim and with a valid token) -------------------
    fixtures = "/work/shared/fixtures/apigw"
    real = {
        "rest-token": "powertools-lambda-typescript/apigw-rest_authorizer-token.json",
        "rest-request": "powertools-lambda-typescript/apigw-rest_authorizer-request.json",
        "http-v2": "powertools-lambda-typescript/apigw-http_authorizer-request.json",
        "http-v1": "aws-lambda-go/apigw-v2-custom-authorizer-v1-request.json",
    }
    apigw_token = token({"alg": "HS256", "kid": "hs"},
                        claims(exp=NOW + 365 * 86400, scope="pets:read", tenant="t1",
                               **{"cognito:groups": ["admin"], "custom:plan": "gold"}))
    print("apigw token:", apigw_token)
    for name, rel in real.items():
        text = open(os.path.join(fixtures, rel)).read()
        write("apigw", f"aws-{name}", text)  # verbatim (Apache-2.0 / MIT-0), token "foo"/"allow"
        if name in ("rest-token", "http-v2"):
            write("apigw", f"aws-{name}-valid-token", text.replace("Bearer foo", "Bearer " + apigw_token))
    write("apigw", "websocket-connect", {
        "type": "REQUEST", "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc/dev/$connect",
        "headers": {"Cookie": f"a=b; jwt={apigw_token}"}, "queryStringParameters": {"token": apigw_token},
        "requestContext": {"routeKey": "$connect", "eventType": "CONNECT", "connectionId": "x="}})
    write("apigw", "direct", {"method": "delete", "path": "/pets/7", "headers": {"AUTHORIZATION": "bearer " + apigw_token}})
    write("apigw", "lines", "GET\n/tenants/t1/orders\n")
    write("apigw", "not-event", '{"version":"3.0","type":"TOKEN","methodArn":"arn:aws:execute-api:r:a:api"}')
    for name, value in backend_seeds(fixtures).items():
        write("apigw", name, value)

    crypto_diff_seeds()


def backend_seeds(fixtures):
    """What a backend gets after API Gateway's JWT authorizer (decide_event) or a Lambda
    authorizer (authorizer_context): the real proxy captures, their `authorizer` replaced."""
    def capture(rel):
        return json.load(open(os.path.join(fixtures, "powertools-lambda-typescript", rel)))
    http = capture("apigw-http_lambda-authorizer-auth.json")
    http["requestContext"]["authorizer"] = {"jwt": {"claims": {
        "sub": "alice", "scope": "pets:read", "cognito:groups": "[admin users]", "custom:plan": "gold"}, "scopes": None}}
    rest = capture("apigw-rest_lambda-authorizer-auth.json")
    rest["requestContext"]["authorizer"] = {"claims": {
        "sub": "bob", "aud": "api", "cognito:groups": ["admin"], "address": {"city": "Lyon"}}}
    context = capture("apigw-rest_lambda-authorizer-auth.json")
    context["requestContext"]["authorizer"].update({"userId": "u1", "groups": '["a"]'})
    return {"backend-http-v2-jwt": http, "backend-rest-jwt": rest, "backend-rest-context": context}


def crypto_diff_seeds():
    """The crypto_diff target reads its input as a list of decisions (see
    fuzz/fuzz_targets/crypto_diff/): byte 0 picks the algorithm (RS256 … PS512, ES256 …
    ES512), the rest the key, the message, how the signature is made and how it is edited.
    Three zero bytes end the edits."""
    msg = bytes([2]) + b"hi"
    end = bytes(3)  # no byte-level edit
    k = lambda n: bytes(range(1, n + 1))  # a nonce or private scalar of n bytes
    seeds = {
        # alg, generated key #0 (2048 bits), JWK without leading zeros, message, signed.
        "rs256-valid": bytes([0, 0, 0, 0, 0]) + msg + bytes([0]) + bytes(8) + bytes([0]) + end,
        # PS512 on the 4096-bit key.
        "ps512-4096-valid": bytes([5, 0, 3, 0, 0]) + msg + bytes([0]) + bytes(8) + bytes([0]) + end,
        # RS384, e = 3, on the product of the primes p with 3 ∤ p − 1 (up to 8192 bits).
        "rs384-multiprime-e3": bytes([1, 5, 1]) + bytes([0xFF] * 8) + bytes([0, 0]) + msg
        + bytes([0]) + bytes(8) + bytes([0]) + end,
        # PS256 on the 2049-bit key, byte 0 of the encoded message set to 1: RFC 8017 §8.1.2
        # step 2c refuses it, the rsa crate does not look.
        "ps256-2049-em-top-byte": bytes([3, 0, 1, 0, 0]) + msg + bytes([1]) + bytes(8) + bytes([0])
        + bytes([0, 0, 1]) + end,
        # RS512, no private key used: s = n − 1.
        "rs512-n-minus-1": bytes([2, 0, 0, 0, 0, 0, 3, 2]) + end,
        # RS256 on the 2048-bit modulus with bit 100 flipped.
        "rs256-odd-modulus": bytes([0, 7, 0, 0, 0, 100, 0, 0]) + msg + bytes([0]) + end,
        # ES256 with private key 1, nonce from the input, signed.
        "es256-d1-valid": bytes([6]) + msg + bytes([4]) + k(32) + bytes([0, 0, 0, 0, 2]) + end,
        # ES384, nonce 1, s replaced by n − s (high S: valid on both sides).
        "es384-high-s": bytes([7]) + msg + bytes([0, 0, 4]) + k(48) + bytes([0, 0, 1, 7, 2]) + end,
        # ES512 with d = z/r: u1·G = u2·Q, a doubling at the end of the verification.
        "es512-doubling": bytes([8]) + msg + bytes([4]) + k(66) + bytes([6, 0, 0, 2]) + end,
        # ES256 with d = −z/r and s from the input: u1·G + u2·Q is the point at infinity.
        "es256-infinity": bytes([6]) + msg + bytes([4]) + k(32) + bytes([7, 0, 2]) + k(32)
        + bytes([2]) + end,
        # ES256, a bit of the public point flipped: off the curve, both sides refuse it.
        "es256-bad-point": bytes([6]) + msg + bytes([0, 0, 0, 7, 0, 77, 0, 2]) + end,
    }
    for name, data in seeds.items():
        write("crypto_diff", name, data)


if __name__ == "__main__":
    main()
