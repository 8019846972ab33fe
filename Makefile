# Thin wrapper around Meson. `make check` and `make demo` work as the first
# command on a fresh Debian 12 machine: both install what they need first.

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 20
RELEASE_BUILD ?= build-release
PYTEST ?= /usr/bin/python3 -m pytest
PYTEST_ARGS ?=
# Warnings are errors where the project's checks build (make check, lint,
# CI), not in a user's own build, where a newer compiler's new warning
# must not stop it.
WERROR ?= false
check: WERROR = true

.PHONY: all deps deps-check build asan lint fuzz check check-unit check-cli e2e demo install bench clean

all: build

# The build and test sets; `make bench` asks for the bench set too.
deps:
	@scripts/deps.sh build test

deps-check:
	@scripts/deps.sh build test check

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX)

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug

build: $(BUILD)/build.ninja
	meson configure $(BUILD) -Dwerror=$(WERROR)
	ninja -C $(BUILD)

asan: $(ASAN_BUILD)/build.ninja
	meson configure $(ASAN_BUILD) -Dwerror=$(WERROR)
	ninja -C $(ASAN_BUILD)

# clang-format, cppcheck and an -O3 -Werror build (scripts/lint.sh).
lint: deps
	scripts/lint.sh $(RELEASE_BUILD)

# Every libFuzzer target for FUZZ_SECONDS from its corpus (clang, ASan+UBSan;
# tests/fuzz/README.md). The corpora also replay in the unit suite.
fuzz: deps-check
	scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Lint first (a style or analysis failure costs seconds, not a test run),
# then the unit and black-box suites on the normal and the sanitizer build,
# then a bounded fuzzing run of every parser.
check: deps-check lint build asan
	scripts/check.sh $(BUILD) $(ASAN_BUILD)
	$(MAKE) fuzz

check-unit: build
	meson test -C $(BUILD) --suite unit --print-errorlogs

check-cli: build
	TAPER=$(CURDIR)/$(BUILD)/taper scripts/in-netns $(PYTEST) -q tests/cli $(PYTEST_ARGS)

# The end-to-end tests that need Debian's mirror the first time (a Debian
# container booting systemd; mariadb and mediawiki deployed and related):
# many minutes cold, then seconds to minutes from the template cache.
# `make check` runs them too whenever that cache is warm.
e2e: build
	TAPER=$(CURDIR)/$(BUILD)/taper TAPER_BUILD=$(CURDIR)/$(BUILD) TAPER_E2E=1 \
		$(PYTEST) -q -s -p no:cacheprovider tests/cli/test_e2e_debian.py tests/cli/test_e2e_charms.py

# Installs taper (PREFIX, /usr/local by default, is on root's PATH), then
# creates and starts the demo container with the installed binary.
demo: deps
	$(MAKE) install
	scripts/demo.sh $(DESTDIR)$(PREFIX)/bin/taper

# The binary stripped (every start copies it into a sealed memfd), the
# library, header and .pc, man pages, bash and zsh completion, the boot unit
# and the docs. The prefix is applied before anything is built or installed.
install: $(BUILD)/build.ninja
	meson configure $(BUILD) -Dprefix=$(PREFIX)
	ninja -C $(BUILD)
	meson install -C $(BUILD) --no-rebuild --strip --quiet $(if $(DESTDIR),--destdir $(DESTDIR))

# taper against crun, runc, LXC and bubblewrap: bench/results/<date>-<host>.md.
# A few minutes; FULL=1 for the full table.
bench:
	@scripts/deps.sh build bench
	bench/table.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(RELEASE_BUILD) $(FUZZ_BUILD)

# docs/config.md is generated from the config key table; a test compares.
.PHONY: docs
docs: build
	mkdir -p docs
	$(BUILD)/taper config --keys --format md > docs/config.md
