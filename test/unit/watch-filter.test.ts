import t from 'tap';
import { ignoredChange } from '../../src/core/watch-filter.js';

t.test('plain rsync exclude patterns suppress changes they cover', async (t) => {
  const patterns = ['/loader/random-seed', 'lost+found', 'cache/', 'a/b'];
  t.ok(ignoredChange(patterns, 'loader/random-seed'));
  t.ok(ignoredChange(patterns, 'lost+found'));
  t.ok(ignoredChange(patterns, 'x/lost+found/y'));
  t.ok(ignoredChange(patterns, 'var/cache/file'));
  t.ok(ignoredChange(patterns, 'z/a/b'));
  t.ok(ignoredChange(patterns, 'a/b/c'));
});

t.test('anything else is a change', async (t) => {
  const patterns = ['/loader/random-seed', 'cache/', '*.bak', '- foo', ''];
  t.notOk(ignoredChange(patterns, 'sub/loader/random-seed'), 'anchored patterns match at the root only');
  t.notOk(ignoredChange(patterns, 'loader/random-seed2'));
  t.notOk(ignoredChange(patterns, 'cache'), 'a "dir/" pattern does not cover a file of that name');
  t.notOk(ignoredChange(patterns, 'x.bak'), 'wildcards are never trusted');
  t.notOk(ignoredChange(patterns, 'foo'));
  t.notOk(ignoredChange(patterns, ''), 'the source itself');
  t.notOk(ignoredChange([], 'vmlinuz-linux'));
});
