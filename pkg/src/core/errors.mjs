/**
 * The one error class of jwtgate. `code` is the code `jose` uses for the same failure
 * (`ERR_JWT_EXPIRED`, `ERR_JWS_SIGNATURE_VERIFICATION_FAILED`, …), so handlers written for
 * `jose` keep working; codes jose has no equivalent for start with `ERR_JWTGATE_`.
 */
export class JwtGateError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {{ claim?: string, reason?: string, field?: string, segment?: number, offset?: number, dots?: number, line?: number, column?: number, cause?: unknown }} [details]
   *   every detail the Rust core gave (`ErrorData`), copied as they are
   */
  constructor(code, message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'JwtGateError';
    this.code = code;
    for (const [name, value] of Object.entries(details)) {
      if (name !== 'cause' && name !== 'code' && name !== 'message' && value !== undefined && value !== null) this[name] = value;
    }
  }
}

/** A bad option, named, as `ERR_JWTGATE_INVALID_OPTIONS` (the same form as the Rust side's). */
export function optionsError(field, message) {
  return new JwtGateError('ERR_JWTGATE_INVALID_OPTIONS', `option \`${field}\`: ${message}`, { field });
}

/** Turns what the wasm side throws (plain `{ code, message, … }` data) into a JwtGateError. */
export function fromWasm(thrown) {
  if (thrown instanceof JwtGateError) return thrown;
  if (thrown && typeof thrown === 'object' && typeof thrown.code === 'string') {
    return new JwtGateError(thrown.code, thrown.message, thrown);
  }
  // A trap (a bug, never expected): keep the original for the report.
  return new JwtGateError('ERR_JWTGATE_INTERNAL', `internal error: ${thrown}`, { cause: thrown });
}

/** Runs a wasm call, converting its errors. */
export function call(fn) {
  try {
    return fn();
  } catch (thrown) {
    throw fromWasm(thrown);
  }
}
