# virtiofsd in C.  `make` builds build/virtiofsd; `make asan` the sanitizer
# build used by the tests; `make unit` runs the unit tests; `make install`.
CC ?= cc
PREFIX ?= /usr/local
DESTDIR ?=
VERSION := 0.1.0

WARN := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -DVIRTIOFSD_VERSION=\"$(VERSION)\" -Isrc $(WARN) -pthread -MMD -MP
CFLAGS ?= -O2 -g
LIBS := -pthread -lseccomp -lcap-ng
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRCS := $(shell find src -name '*.c' | sort)
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
CLIENT_SRCS := $(filter-out tests/client/%_main.c,$(wildcard tests/client/*.c))
CLIENT_MAINS := $(wildcard tests/client/*_main.c)

OBJS := $(SRCS:%.c=build/%.o)
ASAN_OBJS := $(SRCS:%.c=build-asan/%.o)
ASAN_LIB_OBJS := $(LIB_SRCS:%.c=build-asan/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build-asan/unit/%)
CLIENT_OBJS := $(CLIENT_SRCS:%.c=build-asan/%.o)
CLIENT_BINS := $(CLIENT_MAINS:tests/client/%_main.c=build/client/%)

all: build/virtiofsd

build/virtiofsd: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

build/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -c -o $@ $<

asan: build-asan/virtiofsd

build-asan/virtiofsd: $(ASAN_OBJS)
	$(CC) -O1 -g $(SAN) -o $@ $^ $(LIBS)

build-asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O1 -g $(SAN) -c -o $@ $<

# ThreadSanitizer build of the daemon (tests/client/tsan-pool.sh).
TSAN_OBJS := $(SRCS:%.c=build-tsan/%.o)
tsan: build-tsan/virtiofsd

build-tsan/virtiofsd: $(TSAN_OBJS)
	$(CC) -O1 -g -fsanitize=thread -o $@ $^ $(LIBS)

build-tsan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O1 -g -fsanitize=thread -Wno-tsan -c -o $@ $<

# A unit test tests/unit/test_LAYER_*.c links only src/LAYER and src/log:
# layers are testable alone, and a half-written layer never breaks another's tests.
.SECONDEXPANSION:
layer_of = $(word 2,$(subst _, ,$(notdir $(1))))
asan_objs_of_layer = $(patsubst %.c,build-asan/%.o,$(wildcard src/$(1)/*.c src/log/*.c))
build-asan/unit/%: tests/unit/%.c $$(call asan_objs_of_layer,$$(call layer_of,$$*))
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O1 -g $(SAN) -o $@ $^ $(LIBS)

# The host-side vhost-user-fs client: a library plus one program per *_main.c.
build/client/%: tests/client/%_main.c $(CLIENT_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -O1 -g $(SAN) -Itests/client -o $@ $^ $(LIBS)

client: $(CLIENT_BINS)

# The request-rate client for bench/: optimised and without sanitizers, so
# the client's own cost per request does not hide the daemon's.
CLIENT_REL_OBJS := $(CLIENT_SRCS:%.c=build/%.o)
build/bench/rate: tests/client/rate_main.c $(CLIENT_REL_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -Itests/client -o $@ $^ $(LIBS)

# The wake-up floor the depth-1 rates are compared with.
build/bench/pingpong: bench/pingpong.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -o $@ $<

# libFuzzer targets (Debian's clang): `make fuzz`; fuzz/run.sh runs them.
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Isrc $(WARN) -g -O1 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
build-fuzz/fuzz_desc_chain: fuzz/fuzz_desc_chain.c src/transport/virtqueue.c \
	src/transport/guest_mem.c src/transport/mem_guard.c src/log/log.c \
	$(wildcard src/transport/*.h)
build-fuzz/fuzz_fuse_request: fuzz/fuzz_fuse_request.c $(wildcard src/fuse/*.c src/fuse/*.h) \
	src/log/log.c src/fs/fs_ops.h
# The vhost-user control channel: the whole transport, with the target's own
# log sink instead of src/log (it formats every message and drops it).
build-fuzz/fuzz_vhost_msg: fuzz/fuzz_vhost_msg.c $(wildcard src/transport/*.c src/transport/*.h) \
	src/log/log.h
build-fuzz/fuzz_state_load: fuzz/fuzz_state_load.c $(wildcard src/fs/*.c src/fs/*.h) src/log/log.c
	@mkdir -p build-fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-gnu-variable-sized-type-not-at-end -o $@ $(filter %.c,$^) $(LIBS)
build-fuzz/fuzz_%:
	@mkdir -p build-fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) -pthread

fuzz: build-fuzz/fuzz_desc_chain build-fuzz/fuzz_fuse_request build-fuzz/fuzz_state_load \
	build-fuzz/fuzz_vhost_msg

unit: $(UNIT_BINS)
	@pass=0; fail=0; for t in $(UNIT_BINS); do \
		if ./$$t; then pass=$$((pass+1)); echo "PASS unit $$(basename $$t)"; \
		else fail=$$((fail+1)); echo "FAIL unit $$(basename $$t)"; fi; \
	done; echo "unit: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

man: doc/virtiofsd.1

doc/virtiofsd.1: build/virtiofsd doc/gen-man.sh
	sh doc/gen-man.sh build/virtiofsd > $@

install: build/virtiofsd doc/virtiofsd.1
	install -D -m 755 build/virtiofsd $(DESTDIR)$(PREFIX)/libexec/virtiofsd
	install -D -m 644 doc/virtiofsd.1 $(DESTDIR)$(PREFIX)/share/man/man1/virtiofsd.1
	@mkdir -p $(DESTDIR)$(PREFIX)/share/qemu/vhost-user
	sed 's|@BINARY@|$(PREFIX)/libexec/virtiofsd|' contrib/50-virtiofsd.json.in \
		> $(DESTDIR)$(PREFIX)/share/qemu/vhost-user/50-virtiofsd.json

clean:
	rm -rf build build-asan build-tsan

.PHONY: all asan tsan unit client fuzz man install clean
-include $(OBJS:.o=.d) $(ASAN_OBJS:.o=.d) $(TSAN_OBJS:.o=.d) $(CLIENT_REL_OBJS:.o=.d)
