# SPDX-License-Identifier: AGPL-3.0-or-later
# The two commands: `make run` (a working demo on 127.0.0.1:8080) and `make check` (every test).
BUILD ?= build
ASAN_BUILD ?= build-asan
RELEASE_BUILD ?= build-release
# Warnings are errors in `make check` (and so in CI); `make`, `make run` and packagers' builds only warn.
WERROR ?= OFF
DATA ?= .data
LISTEN ?= 127.0.0.1:8080
JOBS ?= $(shell nproc)

.PHONY: all build release deps run check unit integration browser bench clean format

all: build

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRIVD_WERROR=$(WERROR) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

deps:
	@scripts/install-deps.sh

run: deps build
	@scripts/run-demo.sh $(BUILD)/privd $(DATA) $(LISTEN)

# The default and the Release (-O3) build with warnings as errors, unit tests (and the tree's layer and format
# checks) under AddressSanitizer and UndefinedBehaviorSanitizer, then the black-box suite on SQLite and on a
# PostgreSQL server started for the purpose, then the cookie banner in a browser (Debian's chromium).
check:
	@scripts/install-deps.sh --test
	@$(MAKE) --no-print-directory build WERROR=ON
	@$(MAKE) --no-print-directory release WERROR=ON
	@$(MAKE) --no-print-directory unit WERROR=ON
	@$(MAKE) --no-print-directory integration WERROR=ON
	@$(MAKE) --no-print-directory browser WERROR=ON

release:
	@cmake -S . -B $(RELEASE_BUILD) -DCMAKE_BUILD_TYPE=Release -DPRIVD_WERROR=$(WERROR) >/dev/null
	@cmake --build $(RELEASE_BUILD) -j $(JOBS) --target privd

unit:
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPRIVD_SANITIZE=ON -DPRIVD_WERROR=$(WERROR) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

integration: build
	@PRIVD_UNIT_BUILD=$(ASAN_BUILD) scripts/test-integration.sh $(BUILD)/privd

browser: build
	@scripts/test-browser.sh $(BUILD)/privd

bench:
	@scripts/install-deps.sh --bench
	@$(MAKE) --no-print-directory build
	@bench/run.sh $(BUILD)/privd

format:
	@clang-format -i $$(find src tests/unit tests/fuzz -type f -name '*.[ch]')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(RELEASE_BUILD)
