import { describe, expect, it } from 'vitest';
import { matchRoute, pathOf } from './router';

describe('router', () => {
  it('matches patterns and decodes params', () => {
    expect(matchRoute('/:entity/:project', '/alice/my%20proj')).toEqual({ entity: 'alice', project: 'my proj' });
    expect(matchRoute('/:entity/:project/runs/:run', '/a/b/runs/x1/')).toEqual({ entity: 'a', project: 'b', run: 'x1' });
    expect(matchRoute('/:entity/:project', '/a/b/runs/x1')).toBeNull();
    expect(matchRoute('/settings', '/settings?x=1')).toEqual({});
    expect(matchRoute('/', '/')).toEqual({});
  });

  it('refuses malformed percent-encoding instead of throwing', () => {
    expect(matchRoute('/:entity', '/%E0%A4%A')).toBeNull();
  });

  it('round-trips names with slashes, spaces and unicode', () => {
    const path = pathOf('ent', 'proj ü/x', 'runs', 'r?1');
    expect(path).toBe('/ent/proj%20%C3%BC%2Fx/runs/r%3F1');
    expect(matchRoute('/:entity/:project/runs/:run', path)).toEqual({ entity: 'ent', project: 'proj ü/x', run: 'r?1' });
  });
});
