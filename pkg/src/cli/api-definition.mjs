// Reading an API's definition for `jwtgate policy check --api`: an OpenAPI 3 (or Swagger 2)
// document, or a SAM or CloudFormation template (YAML with the short-form tags `!Ref`, `!Sub`,
// `!GetAtt`, …, or JSON such as `cdk.out/*.template.json`). What it yields is what the file
// says, in CloudFormation's words: the API's routes as written (`get /pets/{id}`: the core reads
// methods and route keys), and each authorizer's type, API protocol, identity sources and TTL as
// configured (SAM's shorthands written out as SAM writes them into the API). What they mean for
// the policy is worked out by the core (`Policy.check`).
import { parseDocument } from 'yaml';
import { inputError } from './errors.mjs';
import { readJson, readText } from './input.mjs';

// CloudFormation's intrinsic functions that have a short form (`!Sub`, …): `Fn::` and the name.
const FUNCTIONS = ['And', 'Base64', 'Cidr', 'Equals', 'FindInMap', 'GetAZs', 'If', 'ImportValue', 'Join', 'Length', 'Not', 'Or', 'Select', 'Split', 'Sub', 'ToJsonString', 'Transform'];

/** The `yaml` package's custom tags for CloudFormation's short forms, on scalars, lists and maps alike. */
const CFN_TAGS = [
  { tag: '!Ref', resolve: (value) => ({ Ref: value }) },
  { tag: '!Condition', resolve: (value) => ({ Condition: value }) },
  // `!GetAtt Resource.Attribute` is `Fn::GetAtt: [Resource, Attribute]`.
  { tag: '!GetAtt', resolve: (value) => ({ 'Fn::GetAtt': value.split('.', 2) }) },
  { tag: '!GetAtt', collection: 'seq', resolve: (seq) => ({ 'Fn::GetAtt': seq.toJSON() }) },
  ...FUNCTIONS.flatMap((name) => [
    { tag: `!${name}`, resolve: (value) => ({ [`Fn::${name}`]: value }) },
    { tag: `!${name}`, collection: 'seq', resolve: (seq) => ({ [`Fn::${name}`]: seq.toJSON() }) },
    { tag: `!${name}`, collection: 'map', resolve: (map) => ({ [`Fn::${name}`]: map.toJSON() }) },
  ]),
];

/** A YAML (or JSON) file as plain data, or the input error naming the file, line and column. */
function readYaml(file, what) {
  const text = readText(file, what);
  const doc = parseDocument(text, { customTags: CFN_TAGS, uniqueKeys: true });
  const [error] = doc.errors;
  if (error) {
    const place = error.linePos?.[0] ? `:${error.linePos[0].line}:${error.linePos[0].col}` : '';
    // The first line of the message, without the place it also gives in words.
    throw inputError(`${file}${place}: not YAML: ${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  return doc.toJS({ maxAliasCount: 100 });
}

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const entries = (value) => (isObject(value) ? Object.entries(value) : []);
const text = (value) => (typeof value === 'string' ? value : undefined);

/** An OpenAPI document's routes: each operation of each path (the members that are objects). */
function openApiRoutes(doc, at) {
  return entries(doc?.paths).flatMap(([path, item]) => entries(item)
    .filter(([, operation]) => isObject(operation))
    .map(([method]) => ({ route: `${method} ${path}`, source: `${at}paths.${path}.${method}` })));
}

/** A SAM function's `Api` and `HttpApi` events; an HTTP API event without a path is the `$default` route. */
function functionRoutes(id, props) {
  return entries(props.Events).flatMap(([name, event]) => {
    if (event?.Type !== 'Api' && event?.Type !== 'HttpApi') return [];
    const { Path, Method } = event.Properties ?? {};
    const source = `Resources.${id}.Properties.Events.${name}`;
    if (event.Type === 'HttpApi' && Path === undefined && Method === undefined) return [{ route: '$default', source }];
    return text(Path) && text(Method) ? [{ route: `${Method} ${Path}`, source }] : [];
  });
}

/** The path of a REST API resource (`AWS::ApiGateway::Resource`), by its parents; the root is ''. */
function resourcePath(ref, resources, depth = 0) {
  const id = ref?.Ref;
  const resource = resources[id];
  if (depth > 64 || resource?.Type !== 'AWS::ApiGateway::Resource') return ref?.['Fn::GetAtt']?.[1] === 'RootResourceId' ? '' : undefined;
  const parent = resourcePath(resource.Properties?.ParentId, resources, depth + 1);
  const part = text(resource.Properties?.PathPart);
  return parent === undefined || part === undefined ? undefined : `${parent}/${part}`;
}

/** A REST API's `AWS::ApiGateway::Method`, at the path of its resource. */
function methodRoute(id, props, resources) {
  const path = resourcePath(props.ResourceId, resources);
  return text(props.HttpMethod) && path !== undefined ? [{ route: `${props.HttpMethod} ${path || '/'}`, source: `Resources.${id}` }] : [];
}

/** The protocol of the API a `AWS::ApiGatewayV2::*` resource's `ApiId` names (`HTTP` when it cannot be told). */
function protocolOf(ref, resources) {
  return text(resources[ref?.Ref]?.Properties?.ProtocolType) ?? 'HTTP';
}

const number = (value) => (typeof value === 'number' ? value : /^\d+$/.test(value ?? '') ? Number(value) : undefined);

/** `AWS::ApiGateway::Authorizer` (REST). */
function restAuthorizer(id, props) {
  return {
    name: id, source: `Resources.${id}`,
    type: props.Type,
    api: 'REST',
    identitySources: (text(props.IdentitySource) ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    ttl: number(props.AuthorizerResultTtlInSeconds),
  };
}

/** `AWS::ApiGatewayV2::Authorizer` (HTTP and WebSocket APIs). */
function v2Authorizer(id, props, resources) {
  return {
    name: id, source: `Resources.${id}`,
    type: props.AuthorizerType,
    api: protocolOf(props.ApiId, resources),
    payloadVersion: text(props.AuthorizerPayloadFormatVersion),
    simpleResponses: props.EnableSimpleResponses === true,
    identitySources: [].concat(props.IdentitySource ?? []).filter((s) => typeof s === 'string'),
    ttl: number(props.AuthorizerResultTtlInSeconds),
  };
}

const sources = (list, prefix) => [].concat(list ?? []).filter((s) => typeof s === 'string').map((s) => `${prefix}${s}`);

/**
 * The `Auth.Authorizers` of a SAM API (`kind`: `Api` or `HttpApi`) with those of the template's
 * `Globals` section, which SAM merges in (a map: the resource's own entries win), each with the
 * path it was read at.
 */
function samAuthorizers(doc, kind, id, props) {
  const at = (where, name) => `${where}.Auth.Authorizers.${name}`;
  const global = entries(doc.Globals?.[kind]?.Auth?.Authorizers).map(([name, config]) => [name, config, at(`Globals.${kind}`, name)]);
  const own = entries(props.Auth?.Authorizers).map(([name, config]) => [name, config, at(`Resources.${id}.Properties`, name)]);
  const byName = new Map([...global, ...own].map((entry) => [entry[0], entry]));
  return [...byName.values()];
}

/** The authorizers of a SAM `AWS::Serverless::Api`, their identity as SAM writes it into the API. */
function samRestAuthorizers(authorizers) {
  return authorizers.map(([name, config, source]) => {
    const identity = config?.Identity ?? {};
    const request = config?.FunctionPayloadType === 'REQUEST';
    return {
      name, source,
      type: config?.FunctionArn === undefined ? 'COGNITO_USER_POOLS' : request ? 'REQUEST' : 'TOKEN',
      api: 'REST',
      identitySources: request
        ? [...sources(identity.Headers, 'method.request.header.'), ...sources(identity.QueryStrings, 'method.request.querystring.'),
          ...sources(identity.StageVariables, 'stageVariables.'), ...sources(identity.Context, 'context.')]
        : [`method.request.header.${identity.Header ?? 'Authorization'}`],
      ttl: number(identity.ReauthorizeEvery),
    };
  });
}

/** The authorizers of a SAM `AWS::Serverless::HttpApi`: Lambda authorizers, or API Gateway's JWT authorizer. */
function samHttpAuthorizers(authorizers) {
  return authorizers.map(([name, config, source]) => {
    const identity = config?.Identity ?? {};
    return {
      name, source,
      type: config?.JwtConfiguration === undefined ? 'REQUEST' : 'JWT',
      api: 'HTTP',
      payloadVersion: text(config?.AuthorizerPayloadFormatVersion),
      simpleResponses: config?.EnableSimpleResponses === true,
      identitySources: [...sources(identity.Headers, '$request.header.'), ...sources(identity.QueryStrings, '$request.querystring.'),
        ...sources(identity.StageVariables, '$stageVariables.'), ...sources(identity.Context, '$context.')],
      ttl: number(identity.ReauthorizeEvery),
    };
  });
}

/** A template's routes and authorizers, resource by resource. */
function templateOf(doc) {
  const resources = isObject(doc.Resources) ? doc.Resources : {};
  const api = [];
  const authorizers = [];
  for (const [id, resource] of Object.entries(resources)) {
    const props = isObject(resource?.Properties) ? resource.Properties : {};
    const at = `Resources.${id}.Properties.`;
    switch (resource?.Type) {
      case 'AWS::Serverless::Function': api.push(...functionRoutes(id, props)); break;
      case 'AWS::Serverless::Api': api.push(...openApiRoutes(props.DefinitionBody, `${at}DefinitionBody.`)); authorizers.push(...samRestAuthorizers(samAuthorizers(doc, 'Api', id, props))); break;
      case 'AWS::Serverless::HttpApi': api.push(...openApiRoutes(props.DefinitionBody, `${at}DefinitionBody.`)); authorizers.push(...samHttpAuthorizers(samAuthorizers(doc, 'HttpApi', id, props))); break;
      case 'AWS::ApiGateway::RestApi': api.push(...openApiRoutes(props.Body, `${at}Body.`)); break;
      case 'AWS::ApiGateway::Method': api.push(...methodRoute(id, props, resources)); break;
      case 'AWS::ApiGatewayV2::Route': if (text(props.RouteKey)) api.push({ route: props.RouteKey, source: `Resources.${id}` }); break;
      case 'AWS::ApiGateway::Authorizer': authorizers.push(restAuthorizer(id, props)); break;
      case 'AWS::ApiGatewayV2::Authorizer': authorizers.push(v2Authorizer(id, props, resources)); break;
      default:
    }
  }
  return { kind: 'template', api, authorizers };
}

/**
 * The API of `file`: `{ kind: 'openapi' | 'template', api: [{ route, source }], authorizers }`,
 * or the input error saying why the file is neither.
 */
export function readApiDefinition(file) {
  const doc = /\.json$/i.test(file) ? readJson(file, 'API definition') : readYaml(file, 'API definition');
  if (!isObject(doc)) throw inputError(`${file}: $: the API definition must be an object`);
  if (doc.openapi !== undefined || doc.swagger !== undefined) {
    if (!isObject(doc.paths)) throw inputError(`${file}: paths: an OpenAPI definition needs paths`);
    return { kind: 'openapi', api: openApiRoutes(doc, ''), authorizers: [] };
  }
  if (isObject(doc.Resources)) return templateOf(doc);
  throw inputError(`${file}: $: neither an OpenAPI definition (openapi, paths) nor a SAM or CloudFormation template (Resources)`);
}
