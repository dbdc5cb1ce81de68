// The differential test against jose (differential.test.mjs) on the pure-Rust signature code:
// the browser build, initialised in this process (node --test runs each file in its own), where
// no native backend is installed, so RSA and ECDSA go through src/crypto instead of OpenSSL.
import { readFileSync } from 'node:fs';

const lib = await import('../../pkg/src/runtime/browser.mjs');
await lib.init(readFileSync(new URL('../../pkg/dist/web/jwtgate_bg.wasm', import.meta.url)));
// Only the Node entry point (pkg/src/runtime/node.mjs) installs the native backend, and nothing in this
// process imports it.
globalThis.jwtgateUnderTest = lib;
await import('./differential.test.mjs');
