#!/usr/bin/env bash
# Builds the sfapi container image from this checkout without make or
# goreleaser: a static (CGO_ENABLED=0) linux binary for this machine's
# architecture, staged at linux/<arch>/sfapi as goreleaser's dockers_v2
# stages it, and the Dockerfile at the repository root. Nothing is pulled
# (FROM scratch), so it works without a registry.
#
#   scripts/build-image.sh [IMAGE]        default IMAGE: sfapi:dev ($SFAPI_IMAGE)
#
# GOARCH=arm64 scripts/build-image.sh sfapi:arm64 cross-builds.
set -euo pipefail
cd "$(dirname "$0")/.."

image="${1:-${SFAPI_IMAGE:-sfapi:dev}}"
arch="${GOARCH:-$(go env GOARCH)}"
version="$(git describe --tags --always --dirty 2>/dev/null || echo dev)"
commit="$(git rev-parse HEAD 2>/dev/null || echo none)"
date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/linux/$arch"
CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -trimpath \
  -ldflags "-s -w -X github.com/sfapi/sfapi/internal/build.Version=$version -X github.com/sfapi/sfapi/internal/build.Commit=$commit -X github.com/sfapi/sfapi/internal/build.Date=$date" \
  -o "$ctx/linux/$arch/sfapi" ./cmd/sfapi
cp Dockerfile "$ctx/Dockerfile"

labels=(--label "org.opencontainers.image.title=sfapi"
        --label "org.opencontainers.image.version=$version"
        --label "org.opencontainers.image.revision=$commit"
        --label "org.opencontainers.image.created=$date")
if docker buildx version >/dev/null 2>&1; then
  docker buildx build --platform "linux/$arch" --load "${labels[@]}" -t "$image" "$ctx"
else
  # The classic builder: TARGETPLATFORM is not set automatically.
  DOCKER_BUILDKIT=0 docker build --build-arg "TARGETPLATFORM=linux/$arch" "${labels[@]}" -t "$image" "$ctx"
fi
echo "built $image (linux/$arch, $version)"
