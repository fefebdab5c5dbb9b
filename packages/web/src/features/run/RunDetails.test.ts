import { describe, expect, it } from 'vitest';
import { fileTree, overviewFacts, type RunOverviewData } from './RunDetails';

const run: RunOverviewData = {
  id: 'UnVuOjE=', name: 'r1', displayName: 'r1', state: 'finished', notes: null, tags: [], group: null, jobType: 'train',
  host: null, commit: null, exitcode: 0, createdAt: '2026-01-01T00:00:00Z', heartbeatAt: '2026-01-01T00:01:05Z', config: null,
  summaryMetrics: null, user: { username: 'ada' },
};

describe('run overview', () => {
  it('fills host, command, git, Python, SDK and GPU from the metadata file and the SDK config', () => {
    const facts = Object.fromEntries(overviewFacts(run, {
      host: 'gpu-box', program: 'train.py', codePath: 'src/train.py', args: ['--lr', '0.1'], executable: '/usr/bin/python3', python: 'CPython 3.12.1',
      git: { remote: 'https://example.com/repo.git', commit: 'abc123' }, gpu_nvidia: [{ name: 'H100' }, { name: 'H100' }], gpu_count: 2,
    }, { cli_version: '0.23.0' }));
    expect(facts).toMatchObject({
      Duration: '1m 05s', User: 'ada', Host: 'gpu-box', Program: 'train.py', Command: 'python src/train.py --lr 0.1',
      'Git commit': 'abc123', 'Git remote': 'https://example.com/repo.git', Python: 'CPython 3.12.1', 'W&B SDK': '0.23.0',
      GPU: '2 × H100, H100', 'Job type': 'train', 'Exit code': '0', Group: '—',
    });
  });

  it('prefers the run row over the metadata file, and shows — for what neither has', () => {
    const facts = Object.fromEntries(overviewFacts({ ...run, host: 'row-host', commit: 'row-commit' }, { host: 'meta-host', git: { commit: 'meta' } }, {}));
    expect(facts).toMatchObject({ Host: 'row-host', 'Git commit': 'row-commit', GPU: '—', Python: '—', Command: '—' });
  });
});

describe('run files tree', () => {
  it('nests files under their folders', () => {
    const f = (name: string) => ({ name, sizeBytes: 1, directUrl: `/d/${name}`, mimetype: null, updatedAt: null });
    const tree = fileTree([f('output.log'), f('media/images/a.png'), f('media/images/b.png'), f('config.yaml')]);
    expect([...tree.children.keys()]).toEqual(['output.log', 'media', 'config.yaml']);
    const images = tree.children.get('media')!.children.get('images')!;
    expect(images.path).toBe('media/images');
    expect([...images.children.values()].map((n) => n.file?.name)).toEqual(['media/images/a.png', 'media/images/b.png']);
  });
});
