import { describe, expect, it } from 'vitest';
import { artifactRef, artifactSnippets, collectionPath, expiryOf, formatBytes, formatTtl, pyString, registryName, registryProject, shellWord, utcIso, versionPath } from './paths';

describe('artifact paths and snippets', () => {
  it('percent-encodes every segment', () => {
    expect(collectionPath('me', 'p q', 'model', 'a/b')).toBe('/me/p%20q/artifacts/model/a%2Fb');
    expect(versionPath('me', 'p', 'dataset', 'd', 'v3', 'files')).toBe('/me/p/artifacts/dataset/d/v3?tab=files');
  });

  it('quotes names in the CLI and Python snippets', () => {
    const s = artifactSnippets(artifactRef('me', 'proj', "it's", 'v0'), 'model');
    expect(s.cli).toBe(`wandb artifact get 'me/proj/it'\\''s:v0'`);
    expect(s.python).toContain(`run.use_artifact('me/proj/it\\'s:v0', type='model')`);
    expect(artifactSnippets('me/proj/data:v1', 'dataset').cli).toBe('wandb artifact get me/proj/data:v1');
    expect(pyString('a\\b')).toBe(`'a\\\\b'`);
    expect(shellWord('a b')).toBe(`'a b'`);
  });

  it('maps registry names both ways', () => {
    expect(registryProject('model')).toBe('wandb-registry-model');
    expect(registryProject('wandb-registry-model')).toBe('wandb-registry-model');
    expect(registryName('wandb-registry-model')).toBe('model');
  });

  it('computes expiry from createdAt and TTL (none for -2)', () => {
    expect(expiryOf('2026-01-01T00:00:00Z', 86_400)?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(expiryOf('2026-01-01T00:00:00Z', -2)).toBeNull();
    expect(expiryOf('bad', 5)).toBeNull();
    // The W&B DateTime scalar has no zone: it is UTC.
    expect(expiryOf('2026-01-01T00:00:00', 60)?.toISOString()).toBe('2026-01-01T00:01:00.000Z');
    expect(utcIso('2026-01-01T00:00:00')).toBe('2026-01-01T00:00:00.000Z');
    expect(utcIso('2026-01-01T00:00:00+02:00')).toBe('2025-12-31T22:00:00.000Z');
  });

  it('formats sizes and TTLs', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1500)).toBe('1.5 kB');
    expect(formatBytes(2_500_000_000)).toBe('2.5 GB');
    expect(formatTtl(-2)).toBe('none');
    expect(formatTtl(30 * 86_400)).toBe('30 days');
    expect(formatTtl(3600)).toBe('1 hour');
    expect(formatTtl(61)).toBe('61 s');
  });
});
