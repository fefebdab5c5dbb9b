import { describe, expect, it } from 'vitest';
import { decodeGqlId, encodeGqlId } from './ids.js';

describe('GraphQL ids', () => {
  it('encodes like W&B: base64("Type:id")', () => {
    expect(encodeGqlId('Run', 42)).toBe(Buffer.from('Run:42').toString('base64'));
  });

  it('round-trips', () => {
    expect(decodeGqlId(encodeGqlId('Project', 7))).toEqual({ type: 'Project', id: 7 });
  });

  it('checks the expected type', () => {
    const id = encodeGqlId('Run', 3);
    expect(decodeGqlId(id, 'Run')).toEqual({ type: 'Run', id: 3 });
    expect(decodeGqlId(id, 'Project')).toBeNull();
  });

  it('splits on the last colon, so types may contain colons', () => {
    expect(decodeGqlId(Buffer.from('a:b:5').toString('base64'))).toEqual({ type: 'a:b', id: 5 });
  });

  it.each([
    ['empty', ''],
    ['no colon', Buffer.from('Run42').toString('base64')],
    ['no type', Buffer.from(':42').toString('base64')],
    ['not a number', Buffer.from('Run:abc').toString('base64')],
    ['zero', Buffer.from('Run:0').toString('base64')],
    ['negative', Buffer.from('Run:-1').toString('base64')],
    ['fraction', Buffer.from('Run:1.5').toString('base64')],
    ['unsafe integer', Buffer.from('Run:9007199254740993').toString('base64')],
    ['garbage', '%%%not-base64%%%'],
  ])('returns null for %s, never throws', (_label, value) => {
    expect(decodeGqlId(value)).toBeNull();
  });
});
