// The config text as written is the config used: no value cut at ";" or "#", no repeated section
// merged or key overridden, no key dropped (issue 11, item 6 and the smaller cases).
import t from 'tap';
import { parseConfig } from '../../src/core/config.js';
import { ConfigError } from '../../src/core/errors.js';

const F = '/etc/dualroot/dualroot.conf';
const item = (destinations: string) => `[sync:data]\nsource = /srv/data\ndestinations = ${destinations}\n`;

const refused: [string, string, RegExp, RegExp][] = [
  [
    '";" inside a destination',
    item('/mnt/r1/data;old'),
    /^\/etc\/dualroot\/dualroot.conf line 3 \[sync:data\] destinations: ";" starts a comment in an INI value: "\/mnt\/r1\/data;old" would be read as "\/mnt\/r1\/data"/,
    /quote the whole value/,
  ],
  ['"#" inside a destination', item('/mnt/r1/data#2'), /line 3 .*"#" starts a comment/, /quote/],
  [
    'an inline comment',
    '[watch]\ndelay = 5 ; seconds\n',
    /line 2 \[watch\] delay: ";" starts a comment/,
    /own/,
  ],
  ['half a quoted value', item('"/mnt/a;b", /mnt/c'), /starts with " but does not end with it/, /quote/],
  [
    'a repeated section',
    '[watch]\ndelay = 5\n[esp]\nsync = true\n[watch]\nsweep = 60\n',
    /line 5 \[watch\]: section repeated \(first at line 1\)/,
    /merge/,
  ],
  [
    'a repeated key',
    `${item('/mnt/r1/data')}destinations = /mnt/r2/data\n`,
    /line 4 \[sync:data\] destinations: key repeated \(first at line 3\)/,
    /key\[\] = value/,
  ],
  [
    'a key and a list line of the same name',
    `${item('/mnt/r1/data')}destinations[] = /mnt/r2/data\n`,
    /line 4 .*key repeated/,
    /keep one/,
  ],
  ['a __proto__ key', '[esp]\n__proto__ = 1\n', /line 2 \[esp\] __proto__: unknown key/, /keys in \[esp\]/],
  ['a __proto__ section', '[__proto__]\nsync = true\n', /line 1 \[__proto__\]: unknown section/, /sections/],
  ['a line without "="', '[esp]\nsync\n', /line 2: "sync" is not a key = value line/, /key = value/],
  ['text after a header', '[esp] ; ESPs\n', /line 1: "\[esp\] ; ESPs" is not a section header/, /own/],
];
for (const [name, text, message, hint] of refused) {
  t.test(`refused: ${name}`, async (t) => {
    t.throws(() => parseConfig(text, F), { constructor: ConfigError, message, hint, exitCode: 2 });
  });
}

t.test('a quoted value keeps ";" and "#" (the documented way to write them)', async (t) => {
  const config = parseConfig(item('"/mnt/r1/data;old, /mnt/r2/data#2"'), F);
  t.same(config.items[0]?.destinations, ['/mnt/r1/data;old', '/mnt/r2/data#2']);
  const single = parseConfig(`[sync:a]\nsource = '/srv/a;b'\ndestinations = /mnt/x\n`, F);
  t.equal(single.items[0]?.source, '/srv/a;b');
});

t.test('repeated key[] lines are one list; comment lines anywhere are fine', async (t) => {
  const config = parseConfig(
    '; top\n[sync:data]\n# the source\nsource = /srv/data\ndestinations[] = /mnt/r1/data\n  ; indented comment\ndestinations[] = /mnt/r2/data\n',
    F,
  );
  t.same(config.items[0]?.destinations, ['/mnt/r1/data', '/mnt/r2/data']);
});

t.test('a byte order mark at the top is not part of the first section name', async (t) => {
  const config = parseConfig('\uFEFF[esp]\nsync = false\n', F);
  t.equal(config.esp.sync, false);
  t.equal(parseConfig('\uFEFF; comment\r\n[watch]\r\ndelay = 7\r\n', F).watch.delay, 7, 'CRLF lines too');
});

t.test('booleans: true and false in any case, as documented', async (t) => {
  for (const [text, value] of [
    ['TRUE', true],
    ['True', true],
    ['FALSE', false],
    ['"true"', true],
    ['Off', false],
  ] as const)
    t.equal(parseConfig(`[bind]\nguard = ${text}\n`, F).bind.guard, value, text);
  t.throws(
    () => parseConfig('[bind]\nguard = yes please\n', F),
    /line 2 \[bind\] guard: "yes please" is not a boolean/,
  );
});
