/** Branded ids so a run's internal id cannot be passed where a project id is wanted. */
export type Brand<T, B extends string> = T & { readonly __brand: B };
export type UserId = Brand<number, 'UserId'>;
export type EntityId = Brand<number, 'EntityId'>;
export type ProjectId = Brand<number, 'ProjectId'>;
export type RunId = Brand<number, 'RunId'>;

/** W&B-style GraphQL ids: base64("<Type>:<intId>"). Client code decodes some of them (protocol §1.5). */
export function encodeGqlId(type: string, id: number | string): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64');
}

/** Decodes an id made by encodeGqlId; returns null for anything else (never throws on user input). */
export function decodeGqlId(value: string, expectedType?: string): { type: string; id: number } | null {
  let text: string;
  try {
    text = Buffer.from(value, 'base64').toString('utf8');
  } catch {
    return null;
  }
  const sep = text.lastIndexOf(':');
  if (sep <= 0) return null;
  const type = text.slice(0, sep);
  const num = Number(text.slice(sep + 1));
  if (!Number.isSafeInteger(num) || num <= 0) return null;
  if (expectedType !== undefined && type !== expectedType) return null;
  return { type, id: num };
}
