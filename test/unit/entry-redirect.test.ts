// core/entry-redirect: an entry pointed at the staged kernel set and back, by text.
import t from 'tap';
import { entryPaths, isLoaderEntry, redirectEntry, undoRedirect } from '../../src/core/entry-redirect.js';

const arch =
  'title Arch\nlinux /vmlinuz-linux\ninitrd /intel-ucode.img\ninitrd /initramfs-linux.img\noptions root=UUID=x rw\n';

t.test('an entry naming staged files points at their staged copies, the rest stays', async (t) => {
  t.equal(
    redirectEntry(arch, ['vmlinuz-linux', 'initramfs-linux.img']),
    'title Arch\nlinux /.dualroot-staging/vmlinuz-linux\ninitrd /intel-ucode.img\ninitrd /.dualroot-staging/initramfs-linux.img\noptions root=UUID=x rw\n',
  );
  t.equal(
    redirectEntry('linux  \\VMLINUZ-LINUX extra\n'.replace('\\', '/'), ['vmlinuz-linux']),
    'linux  /.dualroot-staging/VMLINUZ-LINUX extra\n',
    'FAT names compare in any case; spacing and the rest of the line kept',
  );
  t.equal(redirectEntry(arch, ['vmlinuz-linux-lts', 'EFI/BOOT/BOOTX64.EFI']), undefined, 'names none');
  t.equal(
    redirectEntry('title options linux /vmlinuz-linux\n', ['vmlinuz-linux']),
    undefined,
    'keys only at line start',
  );
});

t.test('the paths an entry names', async (t) => {
  t.same(entryPaths(arch), ['vmlinuz-linux', 'intel-ucode.img', 'initramfs-linux.img']);
  t.same(entryPaths('efi /EFI/Linux/arch.efi\ndevicetree /dtb/x.dtb\n'), ['EFI/Linux/arch.efi', 'dtb/x.dtb']);
});

t.test('a redirect is undone to the text it replaced, naming the staged files', async (t) => {
  const staged = ['vmlinuz-linux', 'initramfs-linux.img'];
  const redirected = redirectEntry(arch, staged)!;
  t.same(undoRedirect(redirected), { text: arch, staged });
  t.equal(undoRedirect(arch), undefined, 'an entry that was not redirected');
});

t.test('loader entries are loader/entries/*.conf', async (t) => {
  t.ok(isLoaderEntry('loader/entries/arch.conf'));
  t.ok(isLoaderEntry('loader/entries/Arch.CONF'));
  t.notOk(isLoaderEntry('loader/entries/.arch.conf.dualroot-tmp'));
  t.notOk(isLoaderEntry('loader/loader.conf'));
  t.notOk(isLoaderEntry('loader/entries/sub/x.conf'));
});
