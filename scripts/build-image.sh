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
# The image id file is written only by a build that finished: podman 4.3 can exit 0 when its build
# is interrupted (SIGTERM), leaving the old image under the tag.
iidfile=$(mktemp)
trap 'rm -f "$iidfile"' EXIT
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]]; then commit="$commit-dirty"; fi
# Where the host reaches the npm registry through a local CA (npm's cafile, or NODE_EXTRA_CA_CERTS),
# the build's npm gets the same file, mounted read-only for the RUN steps only: not in the image.
ca_args=()
host_ca="${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null || true)}"
if [[ -n "$host_ca" && "$host_ca" != null && "$host_ca" != undefined && -r "$host_ca" ]]; then
  ca_args=(--volume "$host_ca:/host-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/host-ca.crt)
fi
podman build --format docker ${BUILD_NETWORK:+--network "$BUILD_NETWORK"} --iidfile "$iidfile" \
  "${ca_args[@]}" --build-arg XRAYD_GIT_COMMIT="$commit" -t "$IMAGE" .
[[ -s "$iidfile" ]] || { echo "build-image: podman build did not finish" >&2; exit 1; }
end=$(date +%s)
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
version=$(podman run --rm "$IMAGE" --version 2>/dev/null || true)
echo "build-image: $IMAGE built in $((end - start)) s, $((size / 1000000)) MB ($size bytes): $version"
