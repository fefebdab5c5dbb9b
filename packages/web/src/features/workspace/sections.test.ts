import { describe, expect, it } from 'vitest';
import { matchesSearch, sectionOf, toSections } from './sections';

describe('panel sections', () => {
  it('groups by the prefix before the first slash, default first and System last', () => {
    const sections = toSections([
      'val/loss', 'loss', 'train/loss', 'system/gpu.0.temp', 'train/acc', '_step', '_runtime', 'lr', 'val/acc', 'train/loss',
    ]);
    expect(sections).toEqual([
      { name: 'Charts', keys: ['loss', 'lr'] },
      { name: 'train', keys: ['train/acc', 'train/loss'] },
      { name: 'val', keys: ['val/acc', 'val/loss'] },
      { name: 'System', keys: ['system/gpu.0.temp'] },
    ]);
  });

  it('keeps unusual keys: spaces, unicode, dots, leading and repeated slashes', () => {
    expect(sectionOf('métrique ünïcode/σ loss')).toBe('métrique ünïcode');
    expect(sectionOf('a.b.c')).toBe('Charts');
    expect(sectionOf('/rooted')).toBe('Charts');
    expect(sectionOf('x//y')).toBe('x');
    expect(toSections(['my key/with space.dot'])).toEqual([{ name: 'my key', keys: ['my key/with space.dot'] }]);
  });

  it('sorts numbered keys in number order', () => {
    expect(toSections(['layer10', 'layer2', 'layer1'])[0]!.keys).toEqual(['layer1', 'layer2', 'layer10']);
  });

  it('searches by words, case-insensitively', () => {
    expect(matchesSearch('train/Loss_EMA', 'loss train')).toBe(true);
    expect(matchesSearch('train/acc', 'loss')).toBe(false);
    expect(matchesSearch('anything', '  ')).toBe(true);
  });
});
