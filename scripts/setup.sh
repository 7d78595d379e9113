#!/bin/bash
# Installs the system packages the demo (`setup.sh demo`) or the tests (`setup.sh test`) need, from
# the one list .ci/debian-packages: apt-get on Debian, pacman on Arch, as root, saying what it
# installs. `npm run demo` and `npm test` run it first; .ci/run too. When nothing is missing it
# installs nothing. Not root, or neither Debian nor Arch: it stops with the command to run.
# DUALROOT_SETUP=skip skips it (a machine set up by other means). For its tests: DUALROOT_PACKAGE_LIST,
# DUALROOT_OS_RELEASE and DUALROOT_PACMAN_DBPATH stand for .ci/debian-packages, /etc/os-release and
# pacman's database.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
list=${DUALROOT_PACKAGE_LIST:-$repo/.ci/debian-packages}
purpose=${1:-test}
case $purpose in
  demo) what="the demo needs" ;;
  test) what="the tests need" ;;
  *) echo "usage: scripts/setup.sh demo|test" >&2; exit 2 ;;
esac
[[ ${DUALROOT_SETUP:-} == skip ]] && exit 0
say() { echo "setup: $*" >&2; }

# Node is not in the list: Debian 12's nodejs is 18, and npm is what runs this script.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null; then
  say "Node.js 20.19 or newer is required (found: $(node --version 2>/dev/null || echo none)); install it from nodejs.org or NodeSource"
  exit 1
fi

# Which package manager this system's own packages come from (Debian also packages pacman).
family=other
if [[ -r ${DUALROOT_OS_RELEASE:-/etc/os-release} ]]; then
  ids=$(. "${DUALROOT_OS_RELEASE:-/etc/os-release}" && echo " ${ID:-} ${ID_LIKE:-} ")
  if [[ $ids == *" debian "* ]] && command -v apt-get >/dev/null && command -v dpkg-query >/dev/null; then
    family=debian
  elif [[ $ids == *" arch "* ]] && command -v pacman >/dev/null; then
    family=arch
  fi
fi

# The packages for this purpose, under this system's names, each once.
packages=()
while read -r name tags; do
  [[ -z $name || $name == \#* ]] && continue
  [[ $purpose == demo && " $tags " != *" demo "* ]] && continue
  if [[ $family == arch ]]; then
    for tag in $tags; do [[ $tag == arch=* ]] && name=${tag#arch=}; done
  fi
  [[ " ${packages[*]} " == *" $name "* ]] || packages+=("$name")
done <"$list"

pacman_db=(${DUALROOT_PACMAN_DBPATH:+--dbpath "$DUALROOT_PACMAN_DBPATH"})
# The packages not installed, one a line; a package manager that cannot answer stops the setup.
missing() {
  case $family in
    debian)
      for p in "${packages[@]}"; do
        [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || echo "$p"
      done
      ;;
    # pacman -T prints the names no installed package satisfies, and exits 127 if there are any.
    arch)
      local rc=0
      pacman "${pacman_db[@]}" -T "${packages[@]}" || rc=$?
      ((rc == 0 || rc == 127)) || { say "pacman -T failed (exit $rc): cannot tell what is installed"; return 1; }
      ;;
  esac
}

if [[ $family == other ]]; then
  say "this is neither Debian (apt-get) nor Arch (pacman): install the equivalents of these Debian packages,"
  say "  ${packages[*]}"
  say "then run again with DUALROOT_SETUP=skip"
  exit 1
fi
need_text=$(missing) || exit 1
mapfile -t need <<<"$need_text"
[[ -n $need_text ]] || need=()
((${#need[@]} == 0)) && exit 0

case $family in
  debian) command=(apt-get install -y --no-install-recommends "${need[@]}") ;;
  arch) command=(pacman "${pacman_db[@]}" -S --needed --noconfirm "${need[@]}") ;;
esac
if [[ $(id -u) != 0 ]]; then
  say "${what} packages that are not installed: ${need[*]}"
  say "install them as root: ${command[*]}"
  say "(or run this as root: it installs them itself)"
  exit 1
fi

say "installing what ${what} (from .ci/debian-packages): ${need[*]}"
case $family in
  debian)
    # Installed for their programs (promtool, qemu, ...), not as services: keep their daemons
    # from starting, unless the machine already has a policy of its own.
    policy=/usr/sbin/policy-rc.d
    if [[ ! -e $policy ]]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
      trap 'rm -f "$policy"' EXIT
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    "${command[@]}"
    ;;
  arch)
    "${command[@]}" || { say "pacman could not install them; if its databases are old or missing, run pacman -Syu first"; exit 1; }
    ;;
esac
still=$(missing) || exit 1
if [[ -n $still ]]; then
  say "still not installed after ${command[0]}: $(echo $still)"
  exit 1
fi
say "installed: ${need[*]}"
