# cputorrent: offload the utility part of scientific jobs.
#
#   make            build everything under build/
#   make check      install what is missing, build, run every test
#   make demo       install what is missing, build, run a real BLAST job
#   make torture    kill -9 every program 500 times, count what breaks (root)
#   make fuzz       every parser under AFL++, FUZZ_SECONDS each
#   make install    PREFIX, DESTDIR, sysconfdir, localstatedir honoured
#   make deb        a Debian package, in build-deb/
#   make SANITIZE=1 ...   the same under ASan and UBSan (in build-san/)

VERSION = 0.1

PREFIX ?= /usr/local
prefix ?= $(PREFIX)
bindir ?= $(prefix)/bin
sbindir ?= $(prefix)/sbin
libexecdir ?= $(prefix)/libexec
datadir ?= $(prefix)/share
mandir ?= $(datadir)/man
sysconfdir ?= /etc
localstatedir ?= /var
spooldir ?= $(localstatedir)/spool/cputorrent
# The group that owns a shared spool; see cputorrent-spool(5).
SPOOL_GROUP ?= cputorrent
# The account ct-dispatch runs as, and a root ct-dispatch runs wrappers as.
DISPATCH_USER ?= cputorrent
SPOOL_DIRS = tmp new processing completed failed results locks work state \
	cancel held state/users

CC ?= cc
PKG_CONFIG ?= pkg-config
CSTD = -std=c17 -D_GNU_SOURCE
WARN = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla
OPT ?= -O2 -g

ifeq ($(SANITIZE),1)
BUILD ?= build-san
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
OPT = -O1 -g
SAN_OBJ = $(BUILD)/san/lsan-options.o
else
BUILD ?= build
SAN =
SAN_OBJ =
endif

POPT_CFLAGS := $(shell $(PKG_CONFIG) --cflags popt 2>/dev/null)
POPT_LIBS := $(shell $(PKG_CONFIG) --libs popt 2>/dev/null || echo -lpopt)
XML_CFLAGS := $(shell $(PKG_CONFIG) --cflags libxml-2.0 2>/dev/null)
XML_LIBS := $(shell $(PKG_CONFIG) --libs libxml-2.0 2>/dev/null || echo -lxml2)
CURL_CFLAGS := $(shell $(PKG_CONFIG) --cflags libcurl 2>/dev/null)
CURL_LIBS := $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null || echo -lcurl)
# The volunteer pool's server and client (ct-serve, ct-volunteer).
MHD_CFLAGS := $(shell $(PKG_CONFIG) --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS := $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
JANSSON_CFLAGS := $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null)
JANSSON_LIBS := $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null || echo -ljansson)
# SHA-256, for the blobs the pool's programs name by it (common/sha256.h).
NETTLE_CFLAGS := $(shell $(PKG_CONFIG) --cflags nettle 2>/dev/null)
NETTLE_LIBS := $(shell $(PKG_CONFIG) --libs nettle 2>/dev/null || echo -lnettle)

ALL_CFLAGS = $(CSTD) $(WARN) $(OPT) $(SAN) -I$(BUILD) -Icommon $(POPT_CFLAGS) \
	$(XML_CFLAGS) $(CURL_CFLAGS) $(MHD_CFLAGS) $(JANSSON_CFLAGS) \
	$(NETTLE_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN) $(LDFLAGS)

COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/providers_rng.o
LIBCT = $(BUILD)/libcputorrent.a

# Each program links only what it uses: the job commands start often and
# must not pay for libcurl or libxml2 at every start.
USER_PROGS = ct-submit ct-status ct-fetch ct-wait ct-cancel ct-purge ct-hold \
	ct-release ct-resubmit
PROGS = $(USER_PROGS) ct-providers ct-dispatch ct-report ct-serve ct-volunteer \
	ct-ssearch
LIBS_ct-providers = $(XML_LIBS)
LIBS_ct-dispatch = $(XML_LIBS)
LIBS_ct-serve = $(MHD_LIBS) $(JANSSON_LIBS) $(XML_LIBS) $(NETTLE_LIBS) -lpthread -lm
LIBS_ct-volunteer = $(CURL_LIBS) $(JANSSON_LIBS) $(NETTLE_LIBS)
BINS = $(PROGS:%=$(BUILD)/bin/%)
# Bash completion, one file per program, from its own option table.
COMPLETIONS = $(PROGS:%=$(BUILD)/completion/%)
completionsdir ?= $(datadir)/bash-completion/completions
# Wrappers (ct-wrapper(7)) written in C; each links what it needs.
# local, sge and slurm, which every poll and fetch runs, have libexec's
# reportsplit split a batch's report, rather than load libxml2 themselves.
LIBS_w-ncbi = $(CURL_LIBS) $(XML_LIBS)
LIBS_w-ebi = $(CURL_LIBS) $(XML_LIBS)
LIBS_w-volunteer = $(CURL_LIBS) $(JANSSON_LIBS) $(XML_LIBS) $(NETTLE_LIBS)
WRAPPERS = $(patsubst providers/%.c,%,$(wildcard providers/*.c))
WRAPPER_BINS = $(WRAPPERS:%=$(BUILD)/providers/%)
# What the programs run from libexec: blastfmt converts results for
# ct-fetch -f, which would otherwise load libxml2 and jansson at every start;
# reportsplit splits a batch's report for local, sge and slurm (above).
JANSSON_CFLAGS := $(shell $(PKG_CONFIG) --cflags jansson 2>/dev/null)
JANSSON_LIBS := $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null || echo -ljansson)
LIBEXEC_PROGS = blastfmt reportsplit
LIBS_blastfmt = $(XML_LIBS) $(JANSSON_LIBS)
LIBS_reportsplit = $(XML_LIBS)
LIBEXEC_BINS = $(LIBEXEC_PROGS:%=$(BUILD)/libexec/%)

MAN1 = $(wildcard man/*.1)
MAN5 = $(wildcard man/*.5)
MAN7 = $(wildcard man/*.7)
MAN8 = $(wildcard man/*.8)

TESTS ?=

all: $(BINS) $(WRAPPER_BINS) $(LIBEXEC_BINS) $(COMPLETIONS)

$(BUILD)/common/%.o: common/%.c common/*.h $(BUILD)/config.h | $(BUILD)/common
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/cmd/%.o: cmd/%.c common/*.h $(BUILD)/config.h | $(BUILD)/cmd
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The registry schema, compiled in: no program depends on finding it.
$(BUILD)/gen/providers_rng.c: share/providers.rng
	@mkdir -p $(@D)
	@{ echo '/* Generated from share/providers.rng by the Makefile. */'; \
	  echo 'extern const char providers_rng[];'; \
	  echo 'extern const unsigned long providers_rng_len;'; \
	  echo 'const char providers_rng[] = {'; \
	  od -An -v -tx1 $< | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0 };'; \
	  echo 'const unsigned long providers_rng_len = sizeof providers_rng - 1;'; \
	} >$@.new && mv $@.new $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# What the programs must know of the installation. Rewritten only when a
# value changes, so `make spooldir=...` rebuilds exactly what depends on it.
$(BUILD)/config.h: FORCE | $(BUILD)/common
	@printf '#define CT_VERSION "%s"\n#define CT_SPOOL_DEFAULT "%s"\n#define CT_CONFIG_DEFAULT "%s"\n#define CT_WRAPPER_DIR_DEFAULT "%s"\n#define CT_ACCOUNT_DEFAULT "%s"\n#define CT_WWW_DEFAULT "%s"\n' \
		'$(VERSION)' '$(spooldir)' '$(sysconfdir)/cputorrent/providers.xml' \
		'$(libexecdir)/cputorrent' '$(DISPATCH_USER)' \
		'$(datadir)/cputorrent/www' >$@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

$(LIBCT): $(COMMON_OBJ)
	rm -f $@
	ar rcs $@ $(COMMON_OBJ)

$(BUILD)/bin/ct-%: $(BUILD)/cmd/ct-%.o $(LIBCT) $(SAN_OBJ) | $(BUILD)/bin
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(SAN_OBJ) $(LIBCT) $(POPT_LIBS) $(LIBS_ct-$*)

$(BUILD)/libexec/%: $(BUILD)/cmd/%.o $(LIBCT) $(SAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(SAN_OBJ) $(LIBCT) $(LIBS_$*)

$(BUILD)/providers/%: providers/%.c common/*.h $(BUILD)/config.h $(LIBCT) $(SAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(SAN_OBJ) $(LIBCT) $(LIBS_w-$*)

# What a program's --list-options prints is its option table; the
# completion is made from it, so it cannot drift from the options.
$(BUILD)/completion/%: $(BUILD)/bin/% share/completion.bash share/gen-completion
	@mkdir -p $(@D)
	sh share/gen-completion $< $* >$@.new && mv $@.new $@

# Fuzz harnesses (t/fuzz/README): each parser's entry point, replayed over
# the kept inputs by `make check`, fuzzed by `make fuzz`.
FUZZ_HARNESSES = $(filter-out replay,$(patsubst t/fuzz/%.c,%,$(wildcard t/fuzz/*.c)))
FUZZ_REPLAYS = $(FUZZ_HARNESSES:%=$(BUILD)/fuzz/replay-%)
FUZZ_ENGINES = $(FUZZ_HARNESSES:%=$(BUILD)/fuzz/fuzz-%)
FUZZ_LIBS = $(XML_LIBS) $(CURL_LIBS) $(MHD_LIBS) $(JANSSON_LIBS) $(POPT_LIBS) \
	$(NETTLE_LIBS) -lpthread -lm

$(BUILD)/fuzz/replay-%: t/fuzz/%.c t/fuzz/replay.c t/fuzz/harness.h \
		common/*.h providers/*.c cmd/ct-serve.c $(BUILD)/config.h $(LIBCT) \
		$(SAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -It/fuzz $(ALL_LDFLAGS) -o $@ $< t/fuzz/replay.c \
		$(SAN_OBJ) $(LIBCT) $(FUZZ_LIBS)

# The fuzzing engine gives the harness its main: AFL++'s driver with
# CC=afl-clang-fast, libFuzzer with CC=clang.
$(BUILD)/fuzz/fuzz-%: t/fuzz/%.c t/fuzz/harness.h common/*.h providers/*.c \
		cmd/ct-serve.c $(BUILD)/config.h $(LIBCT) $(SAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -It/fuzz -fsanitize=fuzzer $(ALL_LDFLAGS) -o $@ $< \
		$(SAN_OBJ) $(LIBCT) $(FUZZ_LIBS)

fuzz-replays: $(FUZZ_REPLAYS)
fuzz-harnesses: $(FUZZ_ENGINES)

$(BUILD)/san/%.o: t/san/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/common $(BUILD)/cmd $(BUILD)/bin:
	mkdir -p $@

# --- setting up a fresh Debian machine -------------------------------------
# Packages the build, the demo and the tests need. `make deps` installs the
# missing ones with apt-get when run as root, and otherwise says what to do;
# `make demo` asks only for what the build and the demo use.
BUILD_PACKAGES = gcc make pkg-config libpopt-dev libcurl4-openssl-dev \
	libxml2-dev libjansson-dev libmicrohttpd-dev nettle-dev
DEMO_PACKAGES = $(BUILD_PACKAGES) ncbi-blast+
DEB_PACKAGES = $(DEMO_PACKAGES) mandoc bats bats-assert bats-support \
	hmmer-examples passwd util-linux procps strace valgrind hyperfine nq \
	task-spooler at \
	libxml2-utils python3 curl openssl jq \
	e2fsprogs mount systemd \
	munge slurmctld slurmd slurm-client \
	gridengine-master gridengine-exec gridengine-client \
	libmicrohttpd-dev libjansson-dev \
	chromium nodejs

# What make deb and its test use.
DEB_TOOLS = dpkg-dev file lintian

# What make bench adds: real protein sets for its BLAST section (prokka
# ships them per genus in share/prokka/db/genus/).
BENCH_PACKAGES = prokka

deps:
	@sh share/install-deps $(DEB_PACKAGES) $(DEB_TOOLS)

demo-deps:
	@sh share/install-deps $(DEMO_PACKAGES)

bench-deps:
	@sh share/install-deps $(BENCH_PACKAGES)

# --- tests --------------------------------------------------------------------
check: deps components-deps browser-deps
	$(MAKE) all
	$(MAKE) test

# The browser volunteer's tests (t/6200-browser.bats) drive Debian's
# chromium with puppeteer-core from npm, installed from the committed lock
# file into t/browser/node_modules: never a browser download.
BROWSER_MODULES = t/browser/node_modules/.package-lock.json
browser-deps: $(BROWSER_MODULES)

$(BROWSER_MODULES): t/browser/package.json t/browser/package-lock.json
	@command -v npm >/dev/null || sh share/install-deps npm
	cd t/browser && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund
	touch $@

test: all fuzz-replays components account
	CT_BUILD=$(CURDIR)/$(BUILD) t/run $(TESTS)

# The tests and the demo run ct-dispatch as root, which runs wrappers as
# the dispatcher account: make it, as make install would, if it is not
# there (as root only: any other user's dispatcher runs wrappers as itself).
account:
	@if [ "$$(id -u)" -eq 0 ]; then sh share/install-account \
		"$(SPOOL_GROUP)" "$(DISPATCH_USER)" "$(spooldir)"; fi

lint-man:
	mandoc -Tlint -Wwarning $(MAN1) $(MAN5) $(MAN7) $(MAN8)

# Benchmarks against the floors and peers of performance.md, in one run
# (root is needed for the loop-mounted spool of a million jobs).
bench: bench-deps all components browser-deps
	CT_BUILD=$(CURDIR)/$(BUILD) t/bench/run
	CT_BUILD=$(CURDIR)/$(BUILD) t/bench/batch
	CT_BUILD=$(CURDIR)/$(BUILD) t/bench/volunteer
	CT_BUILD=$(CURDIR)/$(BUILD) t/bench/browser
	CT_BUILD=$(CURDIR)/$(BUILD) t/bench/adaptive
	CT_BUILD=$(CURDIR)/$(BUILD) t/bench/ssearch

# The PredictProtein spike replayed through ct-dispatch -f against
# simulated providers (issue 14): routing by weights against soonest.
bench-adaptive: all
	CT_BUILD=$(CURDIR)/$(BUILD) t/bench/adaptive

# Batch calls against BLAST's own floor, on prokka's real protein sets,
# and the dispatcher's cost a job with and without them.
bench-batch: bench-deps all
	CT_BUILD=$(CURDIR)/$(BUILD) t/bench/batch

# The Smith-Waterman search alone: ct-ssearch native and as the browser's
# WebAssembly component, against blastp, in cells a second, on prokka's
# proteins.
bench-ssearch: bench-deps all components
	CT_BUILD=$(CURDIR)/$(BUILD) t/bench/ssearch

.PHONY: bench-ssearch

# The volunteer pool's section alone (G2's speedup, ct-serve's hand-out
# rate against its floor, its memory with 100k tasks).
bench-volunteer: all
	CT_BUILD=$(CURDIR)/$(BUILD) t/bench/volunteer

# The browser volunteer's section alone: the ssearch component's speed in
# chromium, under node, native and beside blastp; speedup with 1, 2 and 4
# browser volunteers.
bench-browser: all components browser-deps
	CT_BUILD=$(CURDIR)/$(BUILD) t/bench/browser

# The kill -9 torture of issue 19: TORTURE_KILLS=N for a shorter one
# (t/3900-torture.bats runs one in `make check`). Needs root.
torture: all
	CT_BUILD=$(CURDIR)/$(BUILD) t/torture/run $(TORTURE_KILLS)

# Every fuzz harness under AFL++ for FUZZ_SECONDS each (FUZZ=NAME... for
# some), instrumented and under ASan and UBSan, in build-fuzz/; with
# FUZZ_ENGINE=libfuzzer under clang's libFuzzer, in build-libfuzzer/. A
# crash is minimised into t/fuzz/regress/, which `make check` replays.
FUZZ_SECONDS ?= 60
FUZZ_ENGINE ?= afl
ifeq ($(FUZZ_ENGINE),libfuzzer)
FUZZ_CC = clang
FUZZ_BUILD = build-libfuzzer
FUZZ_DEPS = clang
else
FUZZ_CC = afl-clang-fast
FUZZ_BUILD = build-fuzz
FUZZ_DEPS = afl++
endif
fuzz: deps
	@sh share/install-deps $(FUZZ_DEPS)
	$(MAKE) SANITIZE=1 BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) fuzz-harnesses
	FUZZ_ENGINE=$(FUZZ_ENGINE) t/fuzz/run $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ)

# --- components: code a browser volunteer runs (share/components/) ---------
# The ssearch component (ct-ssearch(1)'s engine for the browser): its
# WebAssembly module built by Debian's emcc from the engine's own source
# (common/ssearch*.c) and a small entry file, a standalone module with no
# JavaScript runtime and one import; and its JS module, copied beside it.
COMPONENT_PACKAGES = emscripten
EMCC ?= emcc
SSEARCH_SRC = $(wildcard common/ssearch*.c) common/xmltext.c common/util.c
SSEARCH_WASM_OBJ = $(patsubst %.c,$(BUILD)/wasm/%.o,$(notdir \
	share/components/ssearch/ssearch-wasm.c $(SSEARCH_SRC)))
EMCC_CFLAGS = -std=c17 -D_GNU_SOURCE $(WARN) -O3 -msimd128 -Icommon
# Linked at -O1: binaryen's -O2 inlines the scan, called once a sequence,
# into the search's one call, and V8 then never tiers it up from its
# baseline compiler (3 times slower).
EMCC_LDFLAGS = -O1 -msimd128 --no-entry -sSTANDALONE_WASM=1 \
	-sALLOW_MEMORY_GROWTH=1 -sERROR_ON_UNDEFINED_SYMBOLS=0 \
	-sWARN_ON_UNDEFINED_SYMBOLS=0
COMPONENTS = $(BUILD)/components/ssearch/ssearch.wasm \
	$(BUILD)/components/ssearch/ssearch.mjs

components: components-deps $(COMPONENTS)

# make bench measures the component too (t/bench/ssearch).
bench: components

components-deps:
	@sh share/install-deps $(COMPONENT_PACKAGES)

# emcc's JavaScript steps find acorn through NODE_PATH on Debian.
$(BUILD)/wasm/%.o: common/%.c common/*.h
	@mkdir -p $(@D)
	NODE_PATH=/usr/share/nodejs $(EMCC) $(EMCC_CFLAGS) -c -o $@ $<

$(BUILD)/wasm/%.o: share/components/ssearch/%.c common/*.h
	@mkdir -p $(@D)
	NODE_PATH=/usr/share/nodejs $(EMCC) $(EMCC_CFLAGS) -c -o $@ $<

$(BUILD)/components/ssearch/ssearch.wasm: $(SSEARCH_WASM_OBJ)
	@mkdir -p $(@D)
	NODE_PATH=/usr/share/nodejs $(EMCC) $(EMCC_LDFLAGS) -o $@.tmp.wasm \
		$(SSEARCH_WASM_OBJ)
	mv $@.tmp.wasm $@

$(BUILD)/components/ssearch/%.mjs: share/components/ssearch/%.mjs
	@mkdir -p $(@D)
	cp $< $@

# --- the demo -----------------------------------------------------------------
demo: demo-deps components-deps browser-deps account
	@sh share/install-deps chromium
	$(MAKE) all components
	CT_BUILD=$(CURDIR)/$(BUILD) CT_ACCOUNT=$(DISPATCH_USER) sh share/demo/run

# --- install ------------------------------------------------------------------
# The job commands are installed setgid $(SPOOL_GROUP) and the spool is
# closed to everyone else, so each user reaches only their own jobs; see
# cputorrent-spool(5), INSTALL MODES. Set SPOOL_GROUP= for a private,
# single-user install without a group.
#
# The man pages and the cron and systemd files name the default paths
# (PREFIX=/usr/local); they are installed rewritten for the paths given.
INSTALL_PATHS = sed -e 's|/usr/local/libexec/cputorrent|$(libexecdir)/cputorrent|g' \
	-e 's|/usr/local/share/cputorrent|$(datadir)/cputorrent|g' \
	-e 's|/usr/local/bin|$(bindir)|g' \
	-e 's|/etc/cputorrent|$(sysconfdir)/cputorrent|g' \
	-e 's|/var/spool/cputorrent|$(spooldir)|g' \
	-e 's|^User=cputorrent$$|User=$(DISPATCH_USER)|; s|^Group=cputorrent$$|Group=$(SPOOL_GROUP)|' \
	-e 's|  cputorrent  umask|  $(DISPATCH_USER)  umask|'
PATHED = $(MAN1) $(MAN5) $(MAN7) $(MAN8) share/cron.d/cputorrent \
	$(wildcard share/systemd/*)

install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(mandir)/man1 \
		$(DESTDIR)$(mandir)/man5 $(DESTDIR)$(mandir)/man7 \
		$(DESTDIR)$(mandir)/man8 $(DESTDIR)$(datadir)/cputorrent \
		$(DESTDIR)$(datadir)/cputorrent/cron.d \
		$(DESTDIR)$(datadir)/cputorrent/systemd \
		$(DESTDIR)$(sysconfdir)/cputorrent \
		$(DESTDIR)$(libexecdir)/cputorrent \
		$(DESTDIR)$(completionsdir)
	install -m 0755 $(BINS) $(DESTDIR)$(bindir)
	install -m 0644 $(COMPLETIONS) $(DESTDIR)$(completionsdir)
	$(if $(WRAPPER_BINS),install -m 0755 $(WRAPPER_BINS) \
		$(DESTDIR)$(libexecdir)/cputorrent)
	install -m 0755 $(LIBEXEC_BINS) $(DESTDIR)$(libexecdir)/cputorrent
	set -e; for f in $(PATHED); do \
		case $$f in \
		man/*) d=$(mandir)/man$${f##*.} ;; \
		*) d=$(datadir)/cputorrent/$$(basename $$(dirname $$f)) ;; \
		esac; \
		$(INSTALL_PATHS) $$f >$(DESTDIR)$$d/$$(basename $$f); \
		chmod 0644 $(DESTDIR)$$d/$$(basename $$f); \
	done
	cp -R share/demo share/examples share/www $(DESTDIR)$(datadir)/cputorrent/
	install -m 0644 share/providers.rng share/providers.xml \
		share/providers.ebi.xml share/providers.ncbi.xml \
		share/providers.sge.xml share/providers.slurm.xml \
		share/providers.volunteer.xml share/providers.ssearch.xml \
		$(DESTDIR)$(datadir)/cputorrent/
	install -d -m 0700 $(DESTDIR)$(spooldir)
	cd $(DESTDIR)$(spooldir) && install -d -m 0700 $(SPOOL_DIRS)
ifneq ($(SPOOL_GROUP),)
	@# Under DESTDIR (a package being built) nothing is made on this host:
	@# the group is used if it exists here, else left to the package.
	@if [ -z "$(DESTDIR)" ]; then \
		sh share/install-system "$(SPOOL_GROUP)" "$(DISPATCH_USER)" \
			"$(spooldir)" "$(sysconfdir)/cputorrent" \
			"$(datadir)/cputorrent/providers.xml"; \
	fi
	@if getent group $(SPOOL_GROUP) >/dev/null; then \
		set -x; \
		chgrp $(SPOOL_GROUP) $(USER_PROGS:%=$(DESTDIR)$(bindir)/%); \
		chmod 2755 $(USER_PROGS:%=$(DESTDIR)$(bindir)/%); \
		chown -R root:$(SPOOL_GROUP) $(DESTDIR)$(spooldir); \
		chmod 2770 $(DESTDIR)$(spooldir); \
		cd $(DESTDIR)$(spooldir) && chmod 2770 $(SPOOL_DIRS); \
	else \
		echo "install: no group $(SPOOL_GROUP) on this host: the" \
		    "programs' set-group-ID bit and the spool's group are" \
		    "left to the package that installs $(DESTDIR)"; \
	fi
	@# The dispatcher's alone: no one else may swap a job's work directory.
	chmod 00700 $(DESTDIR)$(spooldir)/work
endif

# --- a Debian package -----------------------------------------------------
# build-deb/cputorrent_VERSION_ARCH.deb: built in build-deb/ with the paths
# Debian uses, then made a package from share/debian (its postinst makes
# the account and the spool's modes); lintian checks it (t/0710-deb.bats).
DEB_BUILD = build-deb
deb:
	@sh share/install-deps $(DEB_TOOLS)
	rm -rf $(DEB_BUILD)/root
	$(MAKE) -s BUILD=$(DEB_BUILD) PREFIX=/usr sysconfdir=/etc \
		localstatedir=/var DESTDIR=$(CURDIR)/$(DEB_BUILD)/root \
		CFLAGS="-D_FORTIFY_SOURCE=2 -fstack-protector-strong" \
		LDFLAGS="-Wl,-z,relro -Wl,-z,now" install
	sh share/debian/build $(DEB_BUILD)/root \
		$(DEB_BUILD)/cputorrent_$(VERSION)_$$(dpkg --print-architecture).deb \
		$(VERSION)

uninstall:
	rm -f $(PROGS:%=$(DESTDIR)$(bindir)/%)
	rm -f $(PROGS:%=$(DESTDIR)$(completionsdir)/%)
	rm -rf $(DESTDIR)$(libexecdir)/cputorrent
	$(foreach s,1 5 7 8,rm -f $(MAN$(s):man/%=$(DESTDIR)$(mandir)/man$(s)/%);)
	rm -rf $(DESTDIR)$(datadir)/cputorrent
	@echo "left in place: $(DESTDIR)$(spooldir) and $(DESTDIR)$(sysconfdir)/cputorrent"

clean:
	rm -rf build build-san build-fuzz build-libfuzzer build-deb

FORCE:
.PHONY: FORCE all components components-deps browser-deps bench-browser deps demo-deps bench-deps deb check test account lint-man bench bench-batch bench-volunteer bench-adaptive torture fuzz fuzz-replays \
	fuzz-harnesses demo install uninstall clean
.DELETE_ON_ERROR:
