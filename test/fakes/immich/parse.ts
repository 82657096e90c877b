/**
 * Errors shaped like Immich's and helpers that narrow `unknown` request data into the SDK's DTO types.
 * Every body and query value that reaches the fake goes through here: nothing is trusted as typed.
 */
import type { ApiExceptionResponse } from '@immich/sdk';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? 'Error';
}

let errorsAnswered = 0;

/**
 * An error the fake answers with `{ message, error, statusCode, correlationId }`, as Immich (NestJS) does. The
 * correlation id (Immich's request id for its own logs) is a counter here, so runs stay reproducible.
 */
export class ApiError extends Error {
  readonly correlationId = `fake${(++errorsAnswered).toString(36).padStart(6, '0')}`;

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get body(): ApiExceptionResponse & { correlationId: string } {
    const { message, status, correlationId } = this;
    return { message, error: reasonPhrase(status), statusCode: status, correlationId };
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, message);
/** Immich answers a failed access check with 400 "Not found or no <perm> access". */
export const noAccess = (permission: string): ApiError => badRequest(`Not found or no ${permission} access`);

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asObject(value: unknown, what = 'body'): JsonObject {
  if (!isObject(value)) throw badRequest(`${what} must be an object`);
  return value;
}

export function optString(o: JsonObject, key: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`${key} must be a string`);
  return v;
}

export function reqString(o: JsonObject, key: string): string {
  const v = optString(o, key);
  if (v === undefined || v === '') throw badRequest(`${key} should not be empty`);
  return v;
}

export function optNullableString(o: JsonObject, key: string): string | null | undefined {
  return o[key] === null ? null : optString(o, key);
}

/** Booleans; query strings arrive as 'true' / 'false'. */
export function optBool(o: JsonObject, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw badRequest(`${key} must be a boolean value`);
}

/** Numbers; numeric strings are accepted, as Immich 2.5.6 does for `page` and `size` (immich.md §7). */
export function optNumber(o: JsonObject, key: string, { lenient = false } = {}): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : lenient && typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw badRequest(`${key} must be a number`);
  return n;
}

export function reqNumber(o: JsonObject, key: string): number {
  const v = optNumber(o, key);
  if (v === undefined) throw badRequest(`${key} must be a number`);
  return v;
}

export function optInt(
  o: JsonObject,
  key: string,
  min: number,
  max: number,
  { lenient = false } = {},
): number | undefined {
  const v = optNumber(o, key, { lenient });
  if (v === undefined) return undefined;
  if (!Number.isInteger(v)) throw badRequest(`${key} must be an integer number`);
  if (v < min) throw badRequest(`${key} must not be less than ${min}`);
  if (v > max) throw badRequest(`${key} must not be greater than ${max}`);
  return v;
}

export function optStringArray(o: JsonObject, key: string): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string')) {
    throw badRequest(`each value in ${key} must be a string`);
  }
  return v;
}

export function reqStringArray(o: JsonObject, key: string): string[] {
  const v = optStringArray(o, key);
  if (v === undefined) throw badRequest(`${key} must be an array`);
  return v;
}

/** Narrows a string to a member of a TS string enum from the SDK. */
export function enumValue<E extends Record<string, string>>(e: E, value: unknown, key: string): E[keyof E] {
  const values: string[] = Object.values(e);
  const found = values.find((x) => x === value);
  if (found === undefined) throw badRequest(`${key} must be one of the following values: ${values.join(', ')}`);
  return found as E[keyof E];
}

export function optEnum<E extends Record<string, string>>(e: E, o: JsonObject, key: string): E[keyof E] | undefined {
  return o[key] === undefined ? undefined : enumValue(e, o[key], key);
}

export function optEnumArray<E extends Record<string, string>>(
  e: E,
  o: JsonObject,
  key: string,
): E[keyof E][] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw badRequest(`${key} must be an array`);
  return v.map((x) => enumValue(e, x, key));
}

/** An ISO-8601 date string; returns its epoch milliseconds. */
export function parseDate(value: string, key: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw badRequest(`${key} must be a valid ISO 8601 date string`);
  return t;
}

export function optDate(o: JsonObject, key: string): string | undefined {
  const v = optString(o, key);
  if (v !== undefined) parseDate(v, key);
  return v;
}

/** Rejects keys outside `allowed`, as Immich's whitelisting validator does. */
export function onlyKeys(o: JsonObject, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) throw badRequest(`${what}: property ${key} should not exist`);
  }
}
