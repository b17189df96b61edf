# Build, install and header maintenance for gspnp. `make help` lists the targets.
CARGO ?= cargo
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DESTDIR ?=

.PHONY: help header
help:
	@echo "make test          every test suite (what CI runs)"
	@echo "make header        regenerate include/gspnp.h from src/ffi (commit the result)"
	@echo "make header-check  fail if include/gspnp.h is stale"

# The header cbindgen wrote during the last build; build.rs generates it into OUT_DIR.
header:
	$(CARGO) build --lib --quiet
	cp "$$(ls -t target/debug/build/gspnp-*/out/gspnp.h | head -n 1)" include/gspnp.h

.PHONY: header-check test
# Fails when include/gspnp.h differs from what cbindgen generates from src/ffi.
header-check:
	$(CARGO) build --lib --quiet
	diff -u include/gspnp.h "$$(ls -t target/debug/build/gspnp-*/out/gspnp.h | head -n 1)"

# Every test: the C suite under valgrind, then the Rust suites (the last line is the
# test runner's summary).
test:
	$(CARGO) build --lib
	$(MAKE) -C c-tests check VALGRIND=1
	if cargo nextest --version >/dev/null 2>&1; then $(CARGO) nextest run --no-fail-fast; else $(CARGO) test; fi
