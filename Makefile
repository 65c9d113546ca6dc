# SPDX-License-Identifier: AGPL-3.0-or-later
# The two commands: `make run` (a working demo on 127.0.0.1:8080) and `make check` (every test).
# And for operators: `make install` (PREFIX, DESTDIR), `make uninstall`, `make deb` (the Debian package) and
# `make deb-test` (the package built, linted, unpacked and serving).
BUILD ?= build
ASAN_BUILD ?= build-asan
RELEASE_BUILD ?= build-release
DEB_BUILD ?= build-deb
# Warnings are errors in `make check` (and so in CI); `make`, `make run` and packagers' builds only warn.
WERROR ?= OFF
DATA ?= .data
LISTEN ?= 127.0.0.1:8080
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local
DESTDIR ?=
export JOBS

# Development builds find the shipped data files in this tree's share/ and web/; the release build (the one
# installed) finds them under PREFIX. `make run` leaves the tests out of its build (TESTS=OFF): it needs none of
# their tools.
TESTS ?= ON
DEV_FLAGS = -DPRIVD_SHARE_DIR=$(CURDIR)/share -DPRIVD_WEB_DIR=$(CURDIR)/web -DPRIVD_WERROR=$(WERROR)

.PHONY: all build release deps run check unit integration torture abuse browser bench bench-million bench-slow bench-sandbox fuzz clean format install uninstall deb deb-test

all: build

build:
	@scripts/web-vendor.sh
	@scripts/build.sh $(BUILD) -- -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRIVD_TESTS=$(TESTS) $(DEV_FLAGS)

deps:
	@scripts/install-deps.sh

run: deps
	@$(MAKE) --no-print-directory build TESTS=OFF
	@scripts/run-demo.sh $(BUILD)/privd $(DATA) $(LISTEN)

# The default and the Release (-O3) build with warnings as errors, unit tests (and the tree's layer and format
# checks, the unit file and the man pages) under AddressSanitizer and UndefinedBehaviorSanitizer, then the
# black-box suite on SQLite and on a PostgreSQL server started for the purpose, the crash and storage-fault campaigns
# at CI size, then the cookie banner in a browser (Debian's chromium).
check:
	@scripts/install-deps.sh --test
	@echo "== build ($(BUILD), $(RELEASE_BUILD))"
	@$(MAKE) --no-print-directory build WERROR=ON
	@$(MAKE) --no-print-directory release WERROR=ON
	@echo "== unit tests ($(ASAN_BUILD): AddressSanitizer, UndefinedBehaviorSanitizer)"
	@$(MAKE) --no-print-directory unit WERROR=ON
	@echo "== integration tests"
	@$(MAKE) --no-print-directory integration WERROR=ON
	@echo "== crash and storage-fault campaigns (CI size)"
	@scripts/test-torture.sh $(BUILD)/privd
	@echo "== browser tests"
	@$(MAKE) --no-print-directory browser WERROR=ON

release:
	@scripts/web-vendor.sh
	@scripts/build.sh $(RELEASE_BUILD) privd man privd_client privd_client_static -- -DCMAKE_BUILD_TYPE=Release -DPRIVD_WERROR=$(WERROR) \
		-DCMAKE_INSTALL_PREFIX=$(PREFIX) -DPRIVD_SHARE_DIR= -DPRIVD_WEB_DIR=

unit:
	@scripts/build.sh $(ASAN_BUILD) -- -DCMAKE_BUILD_TYPE=Debug -DPRIVD_SANITIZE=ON -DPRIVD_TESTS=ON $(DEV_FLAGS)
	@scripts/ctest.sh $(ASAN_BUILD)

integration: build
	@PRIVD_UNIT_BUILD=$(ASAN_BUILD) scripts/test-integration.sh $(BUILD)/privd

# The crash-safety and storage-fault campaigns at full size (docs/torture.md): 1,000 SIGKILLs per engine, 30 kills
# of the PostgreSQL server, a full disk and a failing fsync. `make check` runs them at CI size.
torture: build
	@scripts/test-torture.sh $(BUILD)/privd --full

# The malformed-request campaign at full size (tests/abuse/README.md): ABUSE_COUNT generated requests on each engine,
# every answer within ABUSE_MAX_MS; `make check` runs it at 5,000 a engine within 5 s an answer.
ABUSE_COUNT ?= 100000
ABUSE_MAX_MS ?= 1000
abuse: build
	@scripts/install-deps.sh --test
	@PRIVD_ABUSE_COUNT=$(ABUSE_COUNT) PRIVD_ABUSE_MAX_MS=$(ABUSE_MAX_MS) PRIVD_TEST_TIMEOUT_MS=14400000 \
		scripts/test-integration.sh $(BUILD)/privd tests/integration/abuse.test.mjs

browser: build
	@scripts/test-browser.sh $(BUILD)/privd

bench:
	@scripts/install-deps.sh --bench
	@$(MAKE) --no-print-directory build
	@bench/run.sh $(BUILD)/privd

# Each libFuzzer target of tests/fuzz/ (clang, ASan, UBSan) for FUZZ_SECONDS (600) seconds, one after the other;
# FUZZ_TARGETS picks some ("http router"). `make check` replays their checked-in corpora; this searches for more.
fuzz:
	@scripts/install-deps.sh --fuzz
	@scripts/fuzz.sh

# The same harness over a million subjects, with the scale figures (bench/README.md); about 10 minutes on 2 cores.
bench-million:
	@scripts/install-deps.sh --bench
	@$(MAKE) --no-print-directory build
	@bench/run.sh --scale 1000000 $(BUILD)/privd

# The slow and greedy clients figure (bench/slow-clients.mjs, bench/README.md): wrk on the consent check alone, then
# under 2,000 slow clients; privd's memory before, during and after. The open-file limit raised for the clients.
bench-slow:
	@scripts/install-deps.sh --bench
	@$(MAKE) --no-print-directory build
	@ulimit -n "$$(ulimit -Hn)" && node bench/slow-clients.mjs $(BUILD)/privd

# What the sandbox (Landlock, seccomp) costs the consent check: sandboxed and not, in turn, in one run.
bench-sandbox:
	@scripts/install-deps.sh --bench
	@$(MAKE) --no-print-directory build
	@bench/sandbox.sh $(BUILD)/privd

# The binary, the shipped data (share/, web/), the systemd unit and the man pages, under DESTDIR/PREFIX.
install: release
	@DESTDIR=$(DESTDIR) cmake --install $(RELEASE_BUILD) >$(RELEASE_BUILD)/install.log
	@sed -n 's/^-- \(Installing\|Up-to-date\): /  /p' $(RELEASE_BUILD)/install.log | grep -v '/share/privd/.' || true
	@echo "installed $$($(RELEASE_BUILD)/privd version) under $(DESTDIR)$(PREFIX) (its shared data in $(PREFIX)/share/privd)"

# What the last `make install` from this tree put in place (its manifest; give the same DESTDIR), and privd's
# directories left empty.
uninstall:
	@scripts/uninstall.sh $(RELEASE_BUILD)/install_manifest.txt "$(DESTDIR)"

deb:
	@scripts/install-deps.sh --deb
	@scripts/deb.sh build $(DEB_BUILD)

deb-test:
	@scripts/install-deps.sh --deb
	@scripts/deb.sh test $(DEB_BUILD)

format:
	@clang-format -i $$(find src tests/unit tests/fuzz tests/tools -type f -name '*.[ch]')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(RELEASE_BUILD) $(DEB_BUILD) build-fuzz
