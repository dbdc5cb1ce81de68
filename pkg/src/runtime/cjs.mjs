// The CommonJS bundle's entry (dist/index.cjs): everything Node offers, in one wasm instance.
export * from './node.mjs';
export { Authorizer, createLambdaAuthorizer } from '../adapters/lambda.mjs';
export { jwtgatePolicy, readAuthorizerContext, withPolicy } from '../adapters/backend.mjs';
