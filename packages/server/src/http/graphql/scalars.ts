import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

function literalToJs(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING: case Kind.BOOLEAN: return ast.value;
    case Kind.INT: case Kind.FLOAT: return Number(ast.value);
    case Kind.NULL: return null;
    case Kind.LIST: return ast.values.map(literalToJs);
    case Kind.OBJECT: return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJs(f.value)]));
    default: throw new GraphQLError('unsupported literal');
  }
}

/** A JSON document carried inside a string; kept verbatim (it may hold NaN/Infinity tokens). */
export const JSONString = new GraphQLScalarType({
  name: 'JSONString',
  serialize: (v) => (typeof v === 'string' ? v : JSON.stringify(v)),
  parseValue: (v) => (typeof v === 'string' ? v : JSON.stringify(v)),
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? ast.value : JSON.stringify(literalToJs(ast))),
});

export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: literalToJs,
});

function toSafeInteger(v: unknown): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new GraphQLError(`Int64 cannot represent ${String(v)}`);
  return n;
}

/** 64-bit integers; JavaScript numbers hold every value Cairn produces (steps, sizes < 2^53). */
export const Int64 = new GraphQLScalarType({
  name: 'Int64',
  serialize: toSafeInteger,
  parseValue: toSafeInteger,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.INT && ast.kind !== Kind.STRING) throw new GraphQLError('Int64 must be an integer');
    return toSafeInteger(ast.value);
  },
});

/** W&B emits ISO-8601 UTC without a zone suffix, e.g. 2023-11-05T17:46:35 (protocol §1.4). */
export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (v) => (v instanceof Date ? v.toISOString().slice(0, 19) : String(v)),
  parseValue: (v) => new Date(String(v)),
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? new Date(ast.value) : null),
});

/** Milliseconds. */
export const Duration = new GraphQLScalarType({
  name: 'Duration',
  serialize: toSafeInteger,
  parseValue: toSafeInteger,
  parseLiteral: (ast) => (ast.kind === Kind.INT ? Number(ast.value) : null),
});
