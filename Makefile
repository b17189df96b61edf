# Build, install and header maintenance for gspnp. `make help` lists the targets.
CARGO ?= cargo
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DESTDIR ?=

.PHONY: help header
help:
	@echo "make header    regenerate include/gspnp.h from src/ffi (commit the result)"

# The header cbindgen wrote during the last build; build.rs generates it into OUT_DIR.
header:
	$(CARGO) build --lib --quiet
	cp "$$(ls -t target/debug/build/gspnp-*/out/gspnp.h | head -n 1)" include/gspnp.h
