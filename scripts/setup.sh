#!/usr/bin/env bash
# Installs what building and testing tryagain needs, when it is missing (Debian/Ubuntu).
set -euo pipefail

# php-cli and php-curl: PHP loads its extensions with RTLD_DEEPBIND (tests/integration/test_php.c);
# golang-go, cmake, git: programs tryagain doctor is tested on.
packages=(make gcc libc6-dev pkg-config libcurl4-openssl-dev libcmocka-dev curl wget python3
          python3-pycurl libcurl3-gnutls groff-base man-db valgrind php-cli php-curl golang-go cmake git)

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
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
