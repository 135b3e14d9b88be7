#!/usr/bin/env bash
# Installs the Debian 12 packages xrayd needs to build and test, only those missing (idempotent).
# Says what it installs. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  cmake make g++ clang pkg-config git ca-certificates
  ccache                    # compiler cache (the build uses it when present)
  clang-format              # make test checks formatting against .clang-format
  libboost1.81-dev          # Asio + Beast (header-only use)
  nlohmann-json3-dev        # JSON for API/assembly/config
  libsimdjson-dev           # JSON parsing on the ingest hot path
  libspdlog-dev             # logging (daemon/ only)
  libsqlite3-dev sqlite3    # trace store
  libexpected-dev           # tl::expected (Result<T>)
  libyaml-cpp-dev           # daemon-compatible cfg.yaml
  libcli11-dev              # `xrayd <command>` parsing: subcommands, --help, validation
  libssl-dev                # TLS and SigV4
  libprotobuf-dev protobuf-compiler  # OTLP messages (proto/otlp/)
  zlib1g-dev                # gzip OTLP/HTTP bodies
  libzstd-dev               # stored documents are zstd frames
  libgrpc++-dev protobuf-compiler-grpc  # OTLP/gRPC receiver (grpc++ and grpc_cpp_plugin)
  libgtest-dev libgmock-dev # unit tests
  libclang-rt-14-dev        # ASan/UBSan/libFuzzer runtimes for clang
  nodejs npm                # end-to-end tests with the real AWS SDK clients
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # node may come from elsewhere than Debian's package: accept a working binary.
    if [[ "$p" == nodejs && -x "$(command -v node)" ]] || [[ "$p" == npm && -x "$(command -v npm)" ]]; then
      continue
    fi
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
