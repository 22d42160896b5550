#!/usr/bin/env bash
# Installs a HashiCorp binary from the official release archive, verified against the release's
# SHA256SUMS file, into DEST (default /usr/local/bin):
#   infra/dev-cluster/install-hashicorp.sh nomad 1.10.5 [DEST]
# https://releases.hashicorp.com/<product>/<version>/<product>_<version>_linux_<arch>.zip and
# <product>_<version>_SHA256SUMS. The archive is refused unless its sha256 is the one listed.
# (The SHA256SUMS file is itself signed, <product>_<version>_SHA256SUMS.sig, with HashiCorp's
# release key; checking that signature needs the key imported into gpg, which this script does
# when HASHICORP_GPG_KEY points to the armored public key file.)
set -euo pipefail
product=${1:?usage: install-hashicorp.sh <product> <version> [dest]}
version=${2:?usage: install-hashicorp.sh <product> <version> [dest]}
dest=${3:-/usr/local/bin}
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "install-hashicorp: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
base="https://releases.hashicorp.com/$product/$version"
archive="${product}_${version}_linux_${arch}.zip"
sums="${product}_${version}_SHA256SUMS"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
curl -fsSL --retry 3 -o "$work/$archive" "$base/$archive"
curl -fsSL --retry 3 -o "$work/$sums" "$base/$sums"
if [ -n "${HASHICORP_GPG_KEY:-}" ]; then
  curl -fsSL --retry 3 -o "$work/$sums.sig" "$base/$sums.sig"
  gpg --batch --import "$HASHICORP_GPG_KEY"
  gpg --batch --verify "$work/$sums.sig" "$work/$sums"
fi
(cd "$work" && grep " $archive\$" "$sums" | sha256sum -c -)
unzip -o -q "$work/$archive" -d "$work/out"
install -m 0755 "$work/out/$product" "$dest/$product"
"$dest/$product" version
