# SPDX-License-Identifier: AGPL-3.0-or-later
# The two commands: `make run` (a working demo on 127.0.0.1:8080) and `make check` (every test).
BUILD ?= build
ASAN_BUILD ?= build-asan
DATA ?= .data
LISTEN ?= 127.0.0.1:8080
JOBS ?= $(shell nproc)

.PHONY: all build deps run check unit integration bench clean format

all: build

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

deps:
	@scripts/install-deps.sh

run: deps build
	@scripts/run-demo.sh $(BUILD)/privd $(DATA) $(LISTEN)

# Unit tests under AddressSanitizer and UndefinedBehaviorSanitizer, then the black-box suite on SQLite and on a
# PostgreSQL server started for the purpose.
check:
	@scripts/install-deps.sh --test
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory integration

unit:
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPRIVD_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

integration: build
	@PRIVD_UNIT_BUILD=$(ASAN_BUILD) scripts/test-integration.sh $(BUILD)/privd

bench:
	@scripts/install-deps.sh --bench
	@$(MAKE) --no-print-directory build
	@bench/run.sh $(BUILD)/privd

format:
	@clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
