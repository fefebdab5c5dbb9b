import { encodeGqlId } from '@cairn/shared';
import { describe, expect, it } from 'vitest';
import { histogramOf, mediaTypeOf, parseArtifactPath, sampleSteps, stepAtOrBelow } from './media.js';

describe('media helpers', () => {
  it('knows the media types the SDK writes', () => {
    expect(mediaTypeOf({ _type: 'image-file', path: 'x.png' })).toBe('image');
    expect(mediaTypeOf({ _type: 'images/separated' })).toBe('images');
    expect(mediaTypeOf({ _type: 'table-file' })).toBe('table');
    expect(mediaTypeOf({ _type: 'histogram' })).toBe('histogram');
    expect(mediaTypeOf({ _type: 'plotly' })).toBeNull();
    expect(mediaTypeOf(3)).toBeNull();
  });

  it('picks the logged step at or below the asked one, else the first', () => {
    const steps = [2, 5, 9];
    expect([0, 2, 4, 5, 8, 9, 100].map((s) => stepAtOrBelow(steps, s))).toEqual([2, 2, 2, 5, 5, 9, 9]);
  });

  it('samples steps evenly with both ends', () => {
    expect(sampleSteps([1, 2, 3], 5)).toEqual([1, 2, 3]);
    expect(sampleSteps(Array.from({ length: 101 }, (_, i) => i * 10), 5)).toEqual([0, 250, 500, 750, 1000]);
    expect(sampleSteps([4, 7, 9], 1)).toEqual([9]);
  });

  it('reads both histogram forms and refuses malformed ones', () => {
    expect(histogramOf({ _type: 'histogram', bins: [0, 1, 2], values: [3, 4] })).toEqual({ bins: [0, 1, 2], values: [3, 4] });
    expect(histogramOf({ _type: 'histogram', packedBins: { min: -1, size: 0.5, count: 2 }, values: [1, 2] }))
      .toEqual({ bins: [-1, -0.5, 0], values: [1, 2] });
    expect(histogramOf({ _type: 'histogram', bins: [0, 1], values: [3, 4] })).toBeNull();
    expect(histogramOf({ _type: 'histogram', bins: [0, 1, 2], values: ['a', 4] })).toBeNull();
  });

  it('parses the artifact entry a table-file names', () => {
    expect(parseArtifactPath('wandb-client-artifact://abc123/tbl.table.json')).toEqual({ clientId: 'abc123', entry: 'tbl.table.json' });
    expect(parseArtifactPath('wandb-client-artifact://abc123:latest/tbl.table.json')).toBeNull();
    expect(parseArtifactPath(`wandb-artifact://_id/${encodeGqlId('Artifact', 7)}/media/t.table.json`)).toEqual({ id: 7, entry: 'media/t.table.json' });
    expect(parseArtifactPath(42)).toBeNull();
  });
});
