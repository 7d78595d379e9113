import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { decodeDevicePath, formatDevicePath } from '../../src/core/device-path.js';
import {
  bootVariableName,
  EFI_GLOBAL_GUID,
  efivarName,
  loadOptionPartitionGuid,
  parseBootCurrent,
  parseBootOrder,
  parseLoaderDevicePartUuid,
  parseLoadOption,
  variableData,
} from '../../src/core/efivars.js';
import { identifyBooted } from '../../src/core/esp.js';
import { decodeEfiGuid } from '../../src/core/guid.js';
import { readFirmwareEvidence } from '../../src/sys/efivars.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/efivars');
const DISK0 = '2501309a-e669-42ad-82ce-06032008c705';
const DISK1 = 'dcd286f4-1c96-40ba-ac93-e4e3e0665751';

// The answers from the fixtures' README (captured on OVMF + systemd-boot 252).
const SCENARIOS: Record<string, { booted: string; bootCurrentPart: string | undefined }> = {
  'both-entries-booted-disk0': { booted: DISK0, bootCurrentPart: DISK0 },
  'both-fallback-booted-disk0': { booted: DISK0, bootCurrentPart: undefined },
  'disk1only-entries-booted-disk1': { booted: DISK1, bootCurrentPart: DISK1 },
  'disk1only-fallback-booted-disk1': { booted: DISK1, bootCurrentPart: undefined },
};

const read = (scenario: string, name: string) =>
  readFileSync(join(FIXTURES, scenario, efivarName(name, EFI_GLOBAL_GUID)));

for (const [scenario, expected] of Object.entries(SCENARIOS)) {
  t.test(`${scenario}: evidence and booted PARTUUID`, async (t) => {
    const fw = readFirmwareEvidence(join(FIXTURES, scenario));
    t.equal(fw.loaderDevicePartUuid, expected.booted, 'LoaderDevicePartUUID, lower-cased');
    t.equal(fw.bootCurrentPartUuid, expected.bootCurrentPart, 'BootCurrent Hard Drive node partition GUID');
    if (!expected.bootCurrentPart) t.match(fw.bootCurrentProblem, /has no Hard Drive node: no evidence/);
    const booted = identifyBooted(fw, []);
    t.equal(booted.partUuid, expected.booted);
    t.equal(booted.evidence, 'LoaderDevicePartUUID');
    t.equal(booted.esp, undefined, 'no such device on this machine: reported absent');
    // Without the boot loader's variable, BootCurrent decides where it can.
    if (expected.bootCurrentPart) {
      const withoutLoader = identifyBooted({ ...fw, loaderDevicePartUuid: undefined }, []);
      t.equal(withoutLoader.partUuid, expected.bootCurrentPart);
      t.equal(withoutLoader.evidence, 'BootCurrent');
    }
  });
}

t.test(
  'fallback scenario without LoaderDevicePartUUID and two ESPs is an error listing the checks',
  async (t) => {
    const fw = readFirmwareEvidence(join(FIXTURES, 'both-fallback-booted-disk0'));
    const esp = (partUuid: string, device: string) => ({
      device,
      disk: device.slice(0, -1),
      number: 1,
      majorMinor: '254:1',
      partUuid,
      fsUuid: undefined,
      fsType: 'vfat',
      label: undefined,
      mounts: [],
    });
    const esps = [esp(DISK0, '/dev/vda1'), esp(DISK1, '/dev/vdb1')];
    t.throws(() => identifyBooted({ ...fw, loaderDevicePartUuid: undefined }, esps), {
      message:
        /cannot tell which ESP.*LoaderDevicePartUUID.*absent.*BootCurrent: Boot0001 \("UEFI Misc Device"\) has no Hard Drive node.*\/dev\/vda1.*\/dev\/vdb1/,
    });
    const single = identifyBooted({ ...fw, loaderDevicePartUuid: undefined }, [esps[1]!]);
    t.equal(single.evidence, 'single-esp');
    t.equal(single.partUuid, DISK1);
  },
);

t.test('LoaderDevicePartUUID is upper-case UTF-16LE, compared case-insensitively', async (t) => {
  const file = readFileSync(
    join(FIXTURES, 'both-entries-booted-disk0', 'LoaderDevicePartUUID-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f'),
  );
  t.match(Buffer.from(variableData(file)).toString('utf16le'), /^2501309A-E669-42AD-82CE-06032008C705\0$/);
  t.equal(parseLoaderDevicePartUuid(file), DISK0);
  t.equal(parseLoaderDevicePartUuid(Buffer.from([7, 0, 0, 0, 0x41, 0])), undefined, 'not a GUID');
  t.throws(() => variableData(Buffer.from([7, 0])), RangeError);
});

t.test('BootCurrent, BootOrder and every Boot#### of every scenario decode', async (t) => {
  for (const scenario of Object.keys(SCENARIOS)) {
    const dir = join(FIXTURES, scenario);
    const current = parseBootCurrent(read(scenario, 'BootCurrent'));
    const order = parseBootOrder(read(scenario, 'BootOrder'));
    t.ok(order.includes(current), `${scenario}: BootCurrent ${bootVariableName(current)} is in BootOrder`);
    for (const f of readdirSync(dir).filter((n) => /^Boot[0-9A-F]{4}-/.test(n))) {
      const option = parseLoadOption(readFileSync(join(dir, f)));
      t.ok(option.description.length > 0, `${scenario} ${f}: has a description`);
    }
  }
  t.same(parseBootOrder(read('both-entries-booted-disk0', 'BootOrder')), [6, 5, 0, 1, 2, 3, 4]);
  t.equal(bootVariableName(6), 'Boot0006');
  t.equal(bootVariableName(0xabc), 'Boot0ABC');
  t.throws(() => parseBootCurrent(Buffer.from([7, 0, 0, 0, 1])), RangeError);
});

t.test('device paths render as efibootmgr -v shows them', async (t) => {
  const scenario = 'both-entries-booted-disk0';
  const expected = readFileSync(join(FIXTURES, `${scenario}.efibootmgr-v.txt`), 'utf8');
  for (const num of [5, 6, 2]) {
    const option = parseLoadOption(read(scenario, bootVariableName(num)));
    const line = expected.split('\n').find((l) => l.startsWith(`${bootVariableName(num)}*`))!;
    t.ok(
      line.includes(`${option.description}\t${formatDevicePath(option.devicePath)}`),
      `${bootVariableName(num)}: ${line}`,
    );
  }
  const disk1 = parseLoadOption(read(scenario, 'Boot0005'));
  t.equal(loadOptionPartitionGuid(disk1), DISK1);
  t.match(disk1.devicePath, [
    { kind: 'hard-drive', partitionNumber: 1, partitionStart: 0x800n, partitionSize: 0x32000n },
    { kind: 'file', path: '\\EFI\\BOOT\\BOOTX64.EFI' },
  ]);
  t.equal(
    loadOptionPartitionGuid(parseLoadOption(read(scenario, 'Boot0002'))),
    undefined,
    'PciRoot/Pci only: no partition',
  );
});

t.test('malformed device paths and load options are errors, not garbage', async (t) => {
  t.throws(() => decodeDevicePath(Uint8Array.from([4, 1, 2, 0])), /bad length 2/);
  t.throws(() => decodeDevicePath(Uint8Array.from([4, 1, 42, 0, 0, 0])), /bad length 42/);
  t.same(decodeDevicePath(Uint8Array.from([0x7f, 0xff, 4, 0])), [], 'end node only');
  t.match(decodeDevicePath(Uint8Array.from([3, 18, 4, 0, 0x7f, 0xff, 4, 0])), [
    { kind: 'other', type: 3, subType: 18 },
  ]);
  // MBR signature variant of the Hard Drive node.
  const hd = new Uint8Array(42);
  hd.set([4, 1, 42, 0, 1, 0, 0, 0]);
  hd.set([0x78, 0x56, 0x34, 0x12], 24);
  hd[40] = 1;
  hd[41] = 1;
  const [node] = decodeDevicePath(hd);
  t.match(node, { kind: 'hard-drive', partitionGuid: undefined, mbrSignature: 0x12345678 });
  t.equal(formatDevicePath(decodeDevicePath(hd)), 'HD(1,MBR,0x12345678,0x0,0x0)');
  const option = Buffer.from([7, 0, 0, 0, 1, 0, 0, 0, 200, 0, 0x41, 0, 0, 0]);
  t.throws(() => parseLoadOption(option), /runs past/);
  t.throws(() => parseLoadOption(Buffer.from([7, 0, 0, 0, 1])), RangeError);
  t.throws(() => decodeEfiGuid(new Uint8Array(3)), RangeError);
});

t.test('broken variables are reported as problems, not crashes', async (t) => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'efivars-'));
  t.teardown(() => rmSync(dir, { recursive: true }));
  writeFileSync(join(dir, 'LoaderDevicePartUUID-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f'), Buffer.from([7, 0]));
  writeFileSync(join(dir, efivarName('BootCurrent', EFI_GLOBAL_GUID)), Buffer.from([7, 0, 0, 0, 9, 0]));
  const fw = readFirmwareEvidence(dir);
  t.match(fw.loaderProblem, /unreadable/);
  t.match(fw.bootCurrentProblem, /Boot0009 does not exist/);
  writeFileSync(join(dir, efivarName('Boot0009', EFI_GLOBAL_GUID)), Buffer.from([7, 0, 0, 0, 1]));
  t.match(readFirmwareEvidence(dir).bootCurrentProblem, /unreadable/);
});
