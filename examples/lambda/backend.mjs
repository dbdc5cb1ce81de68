// The protected backend: echoes what the authorizer passed on. REST APIs and HTTP API payload
// 1.0 put the context in requestContext.authorizer; HTTP API payload 2.0 in
// requestContext.authorizer.lambda.
export const handler = async (event) => {
  const authorizer = event.requestContext?.authorizer ?? {};
  const context = authorizer.lambda ?? authorizer;
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      route: event.routeKey ?? `${event.httpMethod} ${event.resource}`,
      pathParameters: event.pathParameters ?? {},
      authorizer: context,
    }),
  };
};
