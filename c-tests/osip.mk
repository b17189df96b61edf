# GNU oSIP as an independent judge of every datagram gspnp sends (test_osip.c).
# A fragment for c-tests/Makefile, which defines ROOT, LIBDIR, BUILD, CC, CFLAGS,
# CPPFLAGS and VALGRIND_CMD:
#   include osip.mk
# Needs Debian's libosip2-dev (apt-get install -y libosip2-dev).
#   make -C c-tests osip          builds build/test_osip
#   make -C c-tests check-osip    runs it under valgrind (zero errors, zero leaks)
OSIP_LIBS ?= -losipparser2 -losip2
OSIP_PROGRAMS := $(BUILD)/test_osip

.PHONY: osip check-osip
osip: $(OSIP_PROGRAMS)

# Against the shared library, found at run time through the rpath, like the *_shared tests.
$(BUILD)/test_osip: test_osip.c common.h $(ROOT)/include/gspnp.h $(BUILD)/libgspnp.so.0
	$(CC) $(CPPFLAGS) $(CFLAGS) $< -o $@ -L$(LIBDIR) -Wl,-rpath,$(abspath $(BUILD)) -lgspnp -lpthread $(OSIP_LIBS)

# Always under valgrind; prints one summary line like `check`.
check-osip: $(OSIP_PROGRAMS)
	@if $(VALGRIND_CMD) ./$(BUILD)/test_osip; then echo "c-tests (oSIP): 1 passed, 0 failed"; \
	else echo "FAILED: $(BUILD)/test_osip"; echo "c-tests (oSIP): 0 passed, 1 failed"; exit 1; fi
