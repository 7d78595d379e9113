#!/usr/bin/env bash
# Installs dualroot into a file-system tree: the built programs, their bash, zsh and fish
# completions, the pacman hooks, the systemd units, the sample configuration, the Prometheus alerting
# rules, docs and the license. The PKGBUILD's package() and a manual
# install run this same script, so the layout is written down once.
#
# Usage (from anywhere; paths are relative to the source tree this script lives in):
#   npm ci && npm run build
#   [DESTDIR=/tmp/stage] [PREFIX=/usr] [SYSCONFDIR=/etc] [NODE=/usr/bin/node] packaging/install.sh
#
# DESTDIR is prepended to every path (packaging); PREFIX and SYSCONFDIR are where the files are
# at run time, so they are what the wrappers, hooks and units name.
set -euo pipefail

DESTDIR="${DESTDIR:-}"
PREFIX="${PREFIX:-/usr}"
SYSCONFDIR="${SYSCONFDIR:-/etc}"
# An absolute path, not PATH lookup: the programs run as root from pacman hooks and systemd, where
# PATH is whatever the caller had.
NODE="${NODE:-/usr/bin/node}"

# Every program dualroot ships; each must be built.
REQUIRED_PROGRAMS=(dualroot-esp dualroot-bind dualroot-sync dualroot-status dualroot-watch dualroot-migrate dual-root-tool dualroot-disk)

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "install.sh: error: $*" >&2; exit 1; }
note() { echo "install.sh: $*" >&2; }

for dir in "$PREFIX" "$SYSCONFDIR"; do
  [[ "$dir" == /* ]] || die "PREFIX and SYSCONFDIR must be absolute paths, got '$dir'"
done

# Check everything before writing anything, so a failed install leaves no half-installed tree.
programs=()
for program in "${REQUIRED_PROGRAMS[@]}"; do
  [[ -f "$src/dist/$program/index.js" ]] ||
    die "$src/dist/$program/index.js is missing: run 'npm ci && npm run build' in $src first (required programs: ${REQUIRED_PROGRAMS[*]})"
  for completion in "bash/$program" "zsh/_$program" "fish/$program.fish"; do
    [[ -f "$src/dist/completions/$completion" ]] ||
      die "$src/dist/completions/$completion is missing: run 'npm ci && npm run build' in $src first"
  done
  programs+=("$program")
done
# A bundle nobody listed would silently not ship: make adding a program a conscious edit here.
if [[ -d "$src/dist" ]]; then
  for built in "$src"/dist/*/; do
    name="$(basename "$built")"
    [[ "$name" == completions || " ${REQUIRED_PROGRAMS[*]} " == *" $name "* ]] ||
      die "dist/$name is not in install.sh's program lists; add it to REQUIRED_PROGRAMS"
  done
fi
[[ -x "$NODE" || -n "$DESTDIR" ]] || note "warning: $NODE does not exist; set NODE=/path/to/node"

bindir="$PREFIX/bin"
libdir="$PREFIX/lib/dualroot"
unitdir="$PREFIX/lib/systemd/system"
docdir="$PREFIX/share/doc/dualroot"
licensedir="$PREFIX/share/licenses/dualroot"
# Data for other programs: the Prometheus alerting rules (docs/dualroot-status.md).
datadir="$PREFIX/share/dualroot"
mandir="$PREFIX/share/man"
# Where Arch's bash-completion, zsh and fish look (below /usr/local/share too, for PREFIX=/usr/local).
bashcompdir="$PREFIX/share/bash-completion/completions"
zshcompdir="$PREFIX/share/zsh/site-functions"
fishcompdir="$PREFIX/share/fish/vendor_completions.d"
# pacman reads hooks only from /usr/share/libalpm/hooks and /etc/pacman.d/hooks.
if [[ "$PREFIX" == /usr ]]; then
  hookdir=/usr/share/libalpm/hooks
else
  hookdir="$SYSCONFDIR/pacman.d/hooks"
fi

# Hooks and units name /usr/bin/dualroot-*; point them at $bindir when installing elsewhere.
install_text() { # mode source destination
  install -d -m 755 "$DESTDIR$(dirname "$3")"
  sed "s#/usr/bin/dualroot-#$bindir/dualroot-#g" "$2" >"$DESTDIR$3"
  chmod "$1" "$DESTDIR$3"
}

for program in "${programs[@]}"; do
  # The whole bundle directory: ncc may emit more than index.js (chunks, package.json for ESM).
  install -d -m 755 "$DESTDIR$libdir/$program"
  cp -R "$src/dist/$program/." "$DESTDIR$libdir/$program/"
  find "$DESTDIR$libdir/$program" -type d -exec chmod 755 {} + -o -type f -exec chmod 644 {} +
  install -d -m 755 "$DESTDIR$bindir"
  # The launcher (packaging/launcher.cjs) enables node's compile cache, then loads the bundle.
  sed -e "s#@NODE@#$NODE#" -e "s#@PROGRAM@#$program#" -e "s#@BUNDLE@#$libdir/$program/index.js#" \
    "$src/packaging/launcher.cjs" >"$DESTDIR$bindir/$program"
  chmod 755 "$DESTDIR$bindir/$program"
  install -D -m 644 "$src/dist/completions/bash/$program" "$DESTDIR$bashcompdir/$program"
  install -D -m 644 "$src/dist/completions/zsh/_$program" "$DESTDIR$zshcompdir/_$program"
  install -D -m 644 "$src/dist/completions/fish/$program.fish" "$DESTDIR$fishcompdir/$program.fish"
done

for hook in "$src"/hooks/*.hook; do
  install_text 644 "$hook" "$hookdir/$(basename "$hook")"
done
# The sync hook was 99-dualroot-sync.hook up to 0.1.0 (it ran before sbctl's zz-sbctl.hook signed
# the kernels); an install over an old one must not leave it running as a second, early sync.
if [[ -e "$DESTDIR$hookdir/99-dualroot-sync.hook" ]]; then
  rm -f "$DESTDIR$hookdir/99-dualroot-sync.hook"
  note "removed the old $DESTDIR$hookdir/99-dualroot-sync.hook (now zzzz-dualroot-sync.hook)"
fi

for unit in "$src"/units/*.service "$src"/units/*.timer "$src"/units/*.path; do
  [[ -e "$unit" ]] || continue
  install_text 644 "$unit" "$unitdir/$(basename "$unit")"
done

# dual-root's unit names, as aliases (symlinks in the unit directory): fstab lines with
# x-systemd.before=bind-mount-efi.service, links left by `systemctl enable bind-mount-efi.service`
# and `systemctl start dual-root-syncd` all reach the dualroot unit under its old name.
ln -sfn dualroot-bind.service "$DESTDIR$unitdir/bind-mount-efi.service"
ln -sfn dualroot-watch.service "$DESTDIR$unitdir/dual-root-syncd.service"

# Root-owned and not writable by others: dualroot refuses any other config (it runs rsync as root
# on the paths it names). An existing config is the administrator's: never overwrite it.
conf="$SYSCONFDIR/dualroot/dualroot.conf"
install -d -m 755 "$DESTDIR$SYSCONFDIR/dualroot"
if [[ -e "$DESTDIR$conf" ]]; then
  install -m 644 "$src/packaging/dualroot.conf" "$DESTDIR$conf.new"
  note "$DESTDIR$conf exists; left it alone and installed the sample as $DESTDIR$conf.new"
else
  install -m 644 "$src/packaging/dualroot.conf" "$DESTDIR$conf"
fi

install -d -m 755 "$DESTDIR$docdir"
if [[ -f "$src/README.md" ]]; then
  install -m 644 "$src/README.md" "$DESTDIR$docdir/README.md"
fi
for doc in "$src"/docs/*.md; do
  [[ -e "$doc" ]] && install -m 644 "$doc" "$DESTDIR$docdir/$(basename "$doc")"
done
install -m 644 "$src/packaging/dualroot.conf" "$DESTDIR$docdir/dualroot.conf.sample"
for page in "$src"/docs/man/*.[1-8]; do
  [[ -e "$page" ]] || continue
  section="${page##*.}"
  install -D -m 644 "$page" "$DESTDIR$mandir/man$section/$(basename "$page")"
done

install -D -m 644 "$src/packaging/dualroot.rules.yml" "$DESTDIR$datadir/dualroot.rules.yml"

install -D -m 644 "$src/LICENSE" "$DESTDIR$licensedir/LICENSE"

note "installed ${programs[*]} into ${DESTDIR:-/}"
