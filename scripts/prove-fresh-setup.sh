#!/bin/bash
# Proves that a fresh Debian 12 needs nothing by hand: builds a clean minbase root with mmdebstrap,
# copies in Node.js (Debian 12's own is 18) and this source tree (tracked and new files; no
# node_modules/ or dist/), then runs the README's `npm ci && npm run demo` in it as root, with
# /proc, /sys and /dev of this machine (the demo makes loop devices). Everything the demo needs
# beyond that, scripts/setup.sh must install. Its output goes to LOG as well.
#
# Usage (as root; network for the Debian and npm registries):
#   scripts/prove-fresh-setup.sh [WORKDIR]    # default: a new /var/tmp/dualroot-fresh.XXXXXX
#   KEEP=1 scripts/prove-fresh-setup.sh       # keep the root afterwards, to look inside
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "prove-fresh-setup: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "run as root (mmdebstrap, chroot and the demo's loop devices need it)"
command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: bash $repo/scripts/setup.sh test"
node=$(command -v node) || die "node is missing"
npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
[[ -f $npm_dir/package.json ]] || die "cannot find npm's own directory (from $(command -v npm))"

# The mounts below live in a private mount namespace: none outlives this script.
if [[ ${DUALROOT_PROVE_NS:-} != 1 ]]; then
  exec env DUALROOT_PROVE_NS=1 unshare --mount --propagation private "$0" "$@"
fi

work=${1:-$(mktemp -d /var/tmp/dualroot-fresh.XXXXXX)}
root=$work/root
log=$work/log
mkdir -p "$work"
[[ -e $root ]] && die "$root exists: give a new WORKDIR"
cleanup() {
  umount -R "$root" 2>/dev/null || umount -R -l "$root" 2>/dev/null || true
  [[ ${KEEP:-} == 1 ]] && return
  # /dev and /sys of this machine were bound in: never remove through a mount still there.
  if awk -v r="$root" '$5 == r || index($5, r "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
    echo "prove-fresh-setup: $root still has mounts; left it in place" >&2
  else
    rm -rf --one-file-system "$root"
  fi
}
trap cleanup EXIT
exec > >(tee "$log") 2>&1

echo "prove-fresh-setup: a clean Debian 12 (minbase) in $root"
mmdebstrap --variant=minbase bookworm "$root"
echo "prove-fresh-setup: packages in the clean root: $(chroot "$root" dpkg-query -W -f='${binary:Package}\n' | wc -l)"

echo "prove-fresh-setup: copying in node $("$node" --version) and npm $(node -p "require('$npm_dir/package.json').version")"
install -D -m 755 "$node" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# A machine whose HTTPS goes through an inspecting proxy trusts its CA through NODE_EXTRA_CA_CERTS:
# the clean root gets the same trust (Node's own CA list is used otherwise).
extra_ca=()
if [[ -n ${NODE_EXTRA_CA_CERTS:-} && -f $NODE_EXTRA_CA_CERTS ]]; then
  install -D -m 644 "$NODE_EXTRA_CA_CERTS" "$root/usr/local/share/dualroot-prove/extra-ca.pem"
  extra_ca=(NODE_EXTRA_CA_CERTS=/usr/local/share/dualroot-prove/extra-ca.pem)
fi

echo "prove-fresh-setup: copying the source tree to $root/src"
mkdir "$root/src"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard |
  xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' | tar --null -T - -cf -) | tar -xf - -C "$root/src"

# The root a mount point of its own, as on a real machine: the demo's `unshare --propagation
# private` changes the propagation of "/", which must be a mount.
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"

echo "prove-fresh-setup: in the clean root, as root: npm ci && npm run demo"
set +e
chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  LANG=C.UTF-8 "${extra_ca[@]}" bash -c 'cd /src && npm ci --no-audit --no-fund && npm run demo'
rc=$?
set -e
echo "prove-fresh-setup: npm ci && npm run demo exited $rc"
[[ $rc == 0 ]] || exit "$rc"
grep -q '^healthy: this machine can boot from either disk$' "$log" || die "the demo did not show a healthy status"
grep -q '^DEGRADED: ' "$log" || die "the demo did not show the degraded status after the disk loss"
echo "prove-fresh-setup: proven: a fresh Debian 12 with only Node.js copied in ran the demo (log: $log)"
