# Entry points. `make run` and `make test` each do the whole set-up on a fresh Debian 12 machine.
BUILD_DIR      ?= build
SAN_BUILD_DIR  ?= build-asan
FUZZ_BUILD_DIR ?= build-fuzz
JOBS           ?= $(shell nproc)
DATA_DIR       ?= $(CURDIR)/.cache/data
XRAYD_ARGS     ?=
FUZZ_SECONDS   ?= 30

.PHONY: deps build run test test-fast test-asan fuzz e2e-deps bench clean image test-image deb test-deb

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXRAYD_WERROR=ON

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Starts the daemon in the foreground with the embedded defaults: UDP and TCP on 127.0.0.1:2000,
# offline, store in $(DATA_DIR).
run: build
	$(BUILD_DIR)/daemon/xrayd --offline --data-dir $(DATA_DIR) $(XRAYD_ARGS)

e2e-deps: deps
	@bash scripts/install-e2e-deps.sh

# Every test: unit, corpus replay, integration, end to end (optimised build), then the whole suite
# again under ASan+UBSan (clang), then each fuzzer for FUZZ_SECONDS. Layering and clang-format
# checks come first.
test: build e2e-deps
	bash scripts/check-layering.sh
	bash scripts/check-format.sh
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600
	$(MAKE) test-asan
	$(MAKE) fuzz

test-fast: build e2e-deps
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

test-asan: deps
	cmake -S . -B $(SAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
	  -DXRAYD_SANITIZE=address,undefined -DXRAYD_BUILD_BENCH=OFF
	cmake --build $(SAN_BUILD_DIR) -j $(JOBS)
	cd $(SAN_BUILD_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900

fuzz: deps
	cmake -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
	  -DXRAYD_BUILD_FUZZERS=ON -DXRAYD_BUILD_TESTS=OFF -DXRAYD_BUILD_BENCH=OFF
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target fuzzers
	bash scripts/run-fuzzers.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS)

bench: build
	@echo "see bench/README.md"

clean:
	rm -rf $(BUILD_DIR) $(SAN_BUILD_DIR) $(FUZZ_BUILD_DIR)

# Shipping: the container image (podman, Dockerfile) and the Debian package. Not part of `make test`
# (too long for CI's 90 minutes on 2 cores); run them by hand before a release.
# image: podman build of the Dockerfile; where no registry answers, the debian:12 bases are made
# with debootstrap (cached in .cache/debian-base). test-image: builds, then checks the running
# container (health, UDP/TCP on loopback, non-root, SIGTERM, the volume across containers).
image:
	bash scripts/build-image.sh

test-image:
	bash scripts/test-image.sh

# deb: build-release/xrayd_<version>_<arch>.deb. test-deb: lintian, systemd-analyze verify, then
# installed and run in a debian:12 container.
deb: deps
	bash scripts/build-deb.sh

test-deb: deps
	bash scripts/test-deb.sh
