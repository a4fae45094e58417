#!/usr/bin/env bash
# Installs what building and testing tryagain needs, when it is missing (Debian/Ubuntu).
set -euo pipefail

# Build: make, gcc (its sanitizer runtimes come with it), libc6-dev (also libc.a for the static
# tool), libcurl4-openssl-dev, libcmocka-dev. Programs the tests run: curl, wget, python3,
# python3-pycurl and libcurl3-gnutls (the GnuTLS flavour the test programs are also built
# against), valgrind, git (its smart-HTTP client and server, tests/integration/test_git.c),
# php-cli and php-curl (PHP loads its extensions with RTLD_DEEPBIND: test_php.c); postgresql,
# redis-server, redis-tools and nodejs (psql, redis-cli and node's net.connect waiting for late
# servers: test_wait_for.c); golang-go and
# cmake are programs tryagain doctor is tested on. clang-format: make format-check. clang for
# make fuzz: scripts/fuzz.sh. pkg-config, groff-base and man-db (man tryagain) no test needs.
packages=(make gcc libc6-dev pkg-config libcurl4-openssl-dev libcmocka-dev curl wget python3 postgresql redis-server redis-tools nodejs
          python3-pycurl libcurl3-gnutls groff-base man-db valgrind clang-format git php-cli
          php-curl golang-go cmake)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# Another apt-get on the machine (a second checkout running this) holds dpkg's lock: wait for it.
apt=(apt-get -o DPkg::Lock::Timeout=300)
$sudo "${apt[@]}" update -qq
$sudo "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
