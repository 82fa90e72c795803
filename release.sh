#!/usr/bin/env bash
# Release binaries: static (CGO_ENABLED=0, no libc needed), -trimpath, with
# the version and commit stamped, for linux/amd64 and linux/arm64.
#
#   ./release.sh                 writes dist/go-runner-VERSION-linux-ARCH
#                                and dist/SHA256SUMS
#   OUT=/tmp/rel ./release.sh    another output directory
#   VERSION=v1.2.3 ./release.sh  another version than `git describe --tags`
#   ARCHES=amd64 ./release.sh    fewer architectures
#
# The version is `git describe --tags --dirty` (v1.2.3, or
# v1.2.3-4-gabc1234 past the tag); without a tag, v0.0.0-<short commit>.
# The commit is `git rev-parse HEAD`. `go-runner version` prints both.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PATH:/usr/local/go/bin"

out="${OUT:-dist}"
arches="${ARCHES:-amd64 arm64}"
commit=$(git rev-parse HEAD)
version="${VERSION:-$(git describe --tags --dirty 2>/dev/null || echo "v0.0.0-$(git rev-parse --short=12 HEAD)")}"

mkdir -p "$out"
bins=()
for arch in $arches; do
	bin="go-runner-${version}-linux-${arch}"
	echo "building $out/$bin"
	CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -trimpath -buildvcs=false \
		-ldflags "-s -w -X main.version=${version} -X main.commit=${commit}" \
		-o "$out/$bin" .
	bins+=("$bin")
done
(cd "$out" && sha256sum "${bins[@]}" >SHA256SUMS)
echo "version $version, commit $commit: ${bins[*]} in $out"
