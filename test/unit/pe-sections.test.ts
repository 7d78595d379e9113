// The PE section table reader on systemd-boot-efi's real stub: the sections objdump -h lists.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { PE_HEADER_BYTES, peSections } from '../../src/core/pe-sections.js';

const STUB = '/usr/lib/systemd/boot/efi/linuxx64.efi.stub';

t.test("the stub's sections, with their file offsets", async (t) => {
  const image = readFileSync(STUB);
  const sections = peSections(image.subarray(0, PE_HEADER_BYTES));
  t.ok(sections, `${STUB} is read as PE`);
  const names = sections!.map((s) => s.name);
  t.ok(names.includes('.text') && names.includes('.sbat'), names.join(' '));
  const sbat = sections!.find((s) => s.name === '.sbat')!;
  t.match(
    image.toString('utf8', sbat.offset, sbat.offset + sbat.size),
    /^sbat,1,/,
    'the .sbat bytes where it says',
  );
});

t.test('not PE: undefined, never a guess', async (t) => {
  t.equal(peSections(Buffer.from('#!/bin/sh\n'.padEnd(128, ' '))), undefined);
  const mz = Buffer.alloc(128);
  mz.write('MZ');
  mz.writeUInt32LE(0x40, 0x3c);
  t.equal(peSections(mz), undefined, 'MZ without a PE signature');
});
