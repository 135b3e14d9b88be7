#!/usr/bin/env bash
# `make image`: builds the Dockerfile with podman as a user would (`podman build -t xrayd .`), after
# scripts/image-base.sh has made sure its Debian base images exist. Prints the time and image size.
#   IMAGE=name:tag          image to build (default xrayd:latest)
#   BUILD_NETWORK=mode      network of the build's RUN steps (default: podman's; e.g. host)
# --format docker: OCI images have no HEALTHCHECK, podman drops it in that format.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/podman-env.sh
IMAGE=${IMAGE:-xrayd:latest}
BUILD_NETWORK=${BUILD_NETWORK:-}

bash scripts/image-base.sh
start=$(date +%s)
podman build --format docker ${BUILD_NETWORK:+--network "$BUILD_NETWORK"} -t "$IMAGE" .
end=$(date +%s)
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
echo "build-image: $IMAGE built in $((end - start)) s, $((size / 1000000)) MB ($size bytes)"
