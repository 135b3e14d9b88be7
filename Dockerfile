# Multi-stage image: build with the same CMake targets as a developer machine, run on Debian slim as
# a non-root user. UDP and TCP 2000 are bound to 0.0.0.0 inside the container so other containers
# (compose services) can reach the daemon. Built and run by `make test-image` (scripts/test-image.sh).
FROM debian:12 AS build
# Build tools and the -dev packages of scripts/install-deps.sh, without its test tools (clang, gtest):
# the image builds only the xrayd target. nodejs and npm build the web console that xrayd embeds
# (`npm ci` from console/package-lock.json). First, so that a source change keeps this layer.
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      cmake make g++ pkg-config ca-certificates libboost1.81-dev nlohmann-json3-dev \
      libsimdjson-dev libspdlog-dev libsqlite3-dev libexpected-dev libyaml-cpp-dev libssl-dev \
      libcli11-dev libprotobuf-dev protobuf-compiler zlib1g-dev libzstd-dev nodejs npm \
      libgrpc++-dev protobuf-compiler-grpc \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The build context has no .git: `xrayd --version` names the commit given here (make image passes it).
ARG XRAYD_GIT_COMMIT=unknown
# Extra CA certificates for npm's TLS (a network whose HTTPS goes through a local CA): node reads
# the file this names; empty by default. make image sets it when the host's npm uses such a file.
ARG NODE_EXTRA_CA_CERTS=
RUN XRAYD_GIT_COMMIT="$XRAYD_GIT_COMMIT" cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DXRAYD_BUILD_TESTS=OFF -DXRAYD_BUILD_BENCH=OFF \
 && XRAYD_GIT_COMMIT="$XRAYD_GIT_COMMIT" cmake --build build -j "$(nproc)" --target xrayd \
 && strip build/daemon/xrayd

FROM debian:12-slim
# Runtime libraries of the binary (ldd build/daemon/xrayd): SQLite, simdjson, spdlog/fmt, yaml-cpp
# (cfg.yaml), OpenSSL (SigV4 and HTTPS when forwarding), CA certificates for the X-Ray endpoint,
# protobuf and zlib (OTLP/HTTP), zstd (stored documents), gRPC (OTLP/gRPC; libgrpc++1.51 pulls
# libgrpc29, abseil, re2, c-ares).
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libsqlite3-0 \
      libsimdjson14 libspdlog1.10 libfmt9 libyaml-cpp0.7 libssl3 ca-certificates \
      libprotobuf32 zlib1g libzstd1 libgrpc++1.51 \
 && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/lib/dpkg/*-old /var/log/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/xrayd --create-home \
      --shell /usr/sbin/nologin xrayd
COPY --from=build /src/build/daemon/xrayd /usr/local/bin/xrayd
# Fails the build if a runtime library is missing.
RUN /usr/local/bin/xrayd --version
USER xrayd
VOLUME ["/var/lib/xrayd"]
EXPOSE 2000/udp 2000/tcp 4317/tcp 4318/tcp
# No shell needed: the binary asks its own /healthz on loopback (127.0.0.1:2000 reaches 0.0.0.0:2000).
HEALTHCHECK --interval=10s --timeout=3s CMD ["/usr/local/bin/xrayd", "health"]
# As the official image: flags given after the image name are appended (e.g. -o, --region,
# -c /etc/xrayd/cfg.yaml); flags beat the config file, so these binds hold unless overridden by a flag.
ENTRYPOINT ["/usr/local/bin/xrayd", "-b", "0.0.0.0:2000", "-t", "0.0.0.0:2000", \
            "--otlp-http", "0.0.0.0:4318", "--otlp-grpc", "0.0.0.0:4317", \
            "--data-dir", "/var/lib/xrayd"]
