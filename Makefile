# Build, install and header maintenance for gspnp. `make help` lists the targets.
CARGO ?= cargo
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
DESTDIR ?=
# release for packages; `make install PROFILE=debug` installs the debug build.
PROFILE ?= release
CARGO_PROFILE_FLAG := $(if $(filter release,$(PROFILE)),--release,)

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR := $(word 1,$(subst ., ,$(VERSION)))
MINOR := $(word 2,$(subst ., ,$(VERSION)))
# Versioning policy (see README "For packagers"): the soname is libgspnp.so.0 while the
# version is 0.x and names the ABI generation; a minor release only adds to the ABI.
SONAME := libgspnp.so.$(MAJOR)
REALNAME := $(SONAME).$(MINOR)
# What a static link of a Rust library needs from the C side (rustc --print native-static-libs).
LIBS_PRIVATE := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc

.PHONY: help header
help:
	@echo "make test          every test suite (what CI runs)"
	@echo "make build         cargo build plus the soname link target/<PROFILE>/libgspnp.so.0"
	@echo "make install       install the library, header and gspnp.pc (PREFIX, LIBDIR, INCLUDEDIR, BINDIR, DESTDIR)"
	@echo "make uninstall     remove what make install put there"
	@echo "make header        regenerate include/gspnp.h from src/ffi (commit the result)"
	@echo "make header-check  fail if include/gspnp.h is stale"
	@echo "make asterisk-module ASTERISK=PREFIX  build res_gspnp.so for that Asterisk (path on the last line)"

# The header cbindgen wrote during the last build; build.rs generates it into OUT_DIR.
header:
	$(CARGO) build --lib --quiet
	cp "$$(ls -t target/debug/build/gspnp-*/out/gspnp.h | head -n 1)" include/gspnp.h

.PHONY: header-check test
# Fails when include/gspnp.h differs from what cbindgen generates from src/ffi.
header-check:
	$(CARGO) build --lib --quiet
	diff -u include/gspnp.h "$$(ls -t target/debug/build/gspnp-*/out/gspnp.h | head -n 1)"

# Every test: the C suite (valgrind, sanitizers, oSIP, installed tree), the Debian
# packages, bounded fuzzing, the Python suite, then the Rust suites of the workspace
# (the last line is the test runner's summary).
PYTHON ?= python3
# Seconds each fuzz target runs in `make test` (the long runs are in BENCHMARKS.md/README).
FUZZ_SECONDS ?= 15
test:
	$(CARGO) build --workspace
	$(MAKE) -C c-tests check VALGRIND=1
	tools/deb-test.sh
	tools/fuzz.sh $(FUZZ_SECONDS)
	GSPNP_LIBRARY=$(CURDIR)/target/debug/libgspnp.so $(PYTHON) -m pytest -q bindings/python/tests
	GSPNPD=$(CURDIR)/target/debug/gspnpd $(PYTHON) -m pytest -q gspnpd/tests/ui
	if cargo nextest --version >/dev/null 2>&1; then $(CARGO) nextest run --workspace --no-fail-fast; else $(CARGO) test --workspace; fi

# gspnp.pc depends on PREFIX and LIBDIR, which make cannot see: write it every time.
.PHONY: build install uninstall gspnp.pc
# cargo writes libgspnp.so, whose soname is libgspnp.so.0: the link makes programs
# linked against the build tree (README, "Build and test") start.
build:
	$(CARGO) build --workspace $(CARGO_PROFILE_FLAG)
	ln -sf libgspnp.so target/$(PROFILE)/$(SONAME)

gspnp.pc: gspnp.pc.in Cargo.toml
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS_PRIVATE@|$(LIBS_PRIVATE)|' $< > $@

# Installs libgspnp.so.0.<minor> with its soname link and the development link, the
# static library, the header, gspnp.pc and the daemon. Builds nothing when up to date.
install: build gspnp.pc
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(BINDIR)
	install -m 0755 target/$(PROFILE)/libgspnp.so $(DESTDIR)$(LIBDIR)/$(REALNAME)
	ln -sf $(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libgspnp.so
	install -m 0644 target/$(PROFILE)/libgspnp.a $(DESTDIR)$(LIBDIR)/libgspnp.a
	install -m 0644 include/gspnp.h $(DESTDIR)$(INCLUDEDIR)/gspnp.h
	install -m 0644 gspnp.pc $(DESTDIR)$(LIBDIR)/pkgconfig/gspnp.pc
	install -m 0755 target/$(PROFILE)/gspnpd $(DESTDIR)$(BINDIR)/gspnpd

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libgspnp.so \
	      $(DESTDIR)$(LIBDIR)/libgspnp.a $(DESTDIR)$(LIBDIR)/pkgconfig/gspnp.pc \
	      $(DESTDIR)$(INCLUDEDIR)/gspnp.h $(DESTDIR)$(BINDIR)/gspnpd

# The Asterisk module (integrations/asterisk): installs libgspnp into a private prefix
# under target/ so pkg-config finds gspnp.pc, builds res_gspnp.so against ASTERISK's
# headers (tools/asterisk.sh prepares /opt/asterisk-22.10.1) and prints its path last.
ASTERISK ?= /opt/asterisk-22.10.1
GSPNP_PRIVATE_PREFIX := $(CURDIR)/target/gspnp-prefix
.PHONY: asterisk-module
asterisk-module:
	$(MAKE) install PREFIX=$(GSPNP_PRIVATE_PREFIX) DESTDIR= >/dev/null
	PKG_CONFIG_PATH=$(GSPNP_PRIVATE_PREFIX)/lib/pkgconfig $(MAKE) -C integrations/asterisk \
	    ASTERISK=$(ASTERISK) OUT=$(CURDIR)/target/asterisk >/dev/null
	@echo $(CURDIR)/target/asterisk/res_gspnp.so
