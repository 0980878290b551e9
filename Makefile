# AFMTS: Automatic Free Model Tracking System.
#
#   make            build the programs
#   make run        install missing packages, build, run the offline demo
#                   (LIVE=1: fetch the real providers, with the keys of the environment)
#   make serve      the OpenAI-compatible endpoint on the demo catalog, in the
#                   foreground (LISTEN=127.0.0.1:8080)
#   make check      install missing packages, build, run every test
#   make asan       the whole suite under AddressSanitizer + UBSan
#   make bench      the performance figures named in the issues (BEFORE=REV:
#                   REV's decision path and gateway too, in the same run)
#   make fuzz       each libFuzzer harness of test/fuzz for FUZZ_SECONDS (default 60),
#                   failing on any finding (make check replays their corpora)
#   make install    PREFIX=/usr/local DESTDIR= (make uninstall to undo)

VERSION   = 0.1.0
PREFIX   ?= /usr/local
LIVE     ?= 0
LISTEN   ?= 127.0.0.1:8080
BINDIR    = $(PREFIX)/bin
DATADIR   = $(PREFIX)/share/afmts
MANDIR    = $(PREFIX)/share/man
UNITDIR   = $(PREFIX)/lib/systemd/system

CC       ?= cc
OPTFLAGS ?= -O2 -g
WARNINGS  = -Wall -Wextra -Wpedantic -Werror
CPPFLAGS += -D_POSIX_C_SOURCE=200809L $(LIBDIRS:%=-I%) \
            -DAFMTS_VERSION='"$(VERSION)"' -DAFMTS_DATADIR='"$(DATADIR)"'
CFLAGS   += -std=c11 -pthread $(OPTFLAGS) $(WARNINGS)

# libjq has no pkg-config file on Debian 12.
JQ_LIBS   = -ljq -lonig
XML_CFLAGS = `pkg-config --cflags libxml-2.0`
XML_LIBS   = `pkg-config --libs libxml-2.0`

# Debian packages needed to build and test.
BUILD_PKGS = gcc make pkg-config libc6-dev libjq-dev libonig-dev libxml2-dev \
             libsqlite3-dev libcurl4-openssl-dev libarchive-dev
TEST_PKGS  = bats jq mandoc shellcheck python3 sqlite3 curl valgrind lighttpd wrk tzdata chromium prometheus \
             systemd clang libclang-rt-14-dev

PROGS = bin/afmts-fetch bin/afmts-parse bin/afmts-track bin/afmts-route bin/afmts-report \
        bin/afmts-gateway bin/afmts-notify bin/afmts-batch
SCRIPTS = schedule/afmts-discover schedule/afmts-report-daily schedule/afmts-serve
UNITS   = schedule/afmts-discover.service schedule/afmts-discover.timer \
          schedule/afmts-report.service schedule/afmts-report.timer \
          schedule/afmts-gateway.service

# Shared code: lib/PART/, one module an idea (lib/README says which part each
# program links, and the rule: the decision path links no libjq or libcurl).
LIBDIRS = lib/core lib/stream lib/discover lib/catalog lib/route lib/web lib/report

# core: libc alone, for every program.
CORE_OBJS   = lib/core/err.o lib/core/cli.o lib/core/utctime.o lib/core/paths.o lib/core/strset.o \
              lib/core/names.o lib/core/param.o lib/core/jsonw.o
# stream: JSON lines (libjq) read ahead on a thread: the batch half's input.
STREAM_OBJS = lib/stream/jsonl.o lib/stream/prefetch.o
BATCH_OBJS  = $(CORE_OBJS) $(STREAM_OBJS)

# discover: descriptors, fetching (libcurl, libarchive), parsing (libjq, libxml2).
DESC_OBJS  = lib/discover/registry.o lib/discover/pagerule.o lib/discover/model.o
PARSE_OBJS = $(DESC_OBJS) lib/discover/dialect.o lib/discover/htmltree.o lib/discover/family.o \
             lib/discover/finish.o lib/discover/parse.o
FETCH_OBJS = $(DESC_OBJS) lib/discover/fetch.o lib/discover/http.o lib/discover/fetchline.o \
             lib/discover/condcache.o lib/discover/runarchive.o lib/discover/pages.o lib/discover/follow.o

# catalog: the SQLite file, its one writer afmts-track, and the usage store
# (usage.h: rows, model ids, daily roll-ups, one outcome), whose writers are
# afmts-track and the decision path.
CATALOG_OBJS = lib/catalog/catalog.o lib/catalog/latency.o
USAGE_OBJS   = lib/catalog/usage.o lib/catalog/outcome.o
TRACK_OBJS   = $(CATALOG_OBJS) $(USAGE_OBJS) $(DESC_OBJS) lib/catalog/track.o \
               lib/catalog/trackinput.o lib/catalog/export.o lib/catalog/usagecheck.o \
               lib/catalog/modelscan.o lib/route/routesnap.o

# route: the decision path, SQLite and our own code only (no libjq, no libcurl),
# answering the command line and, through web's front door, CGI and FastCGI.
ROUTE_OBJS = $(CORE_OBJS) $(CATALOG_OBJS) $(USAGE_OBJS) \
             lib/route/decide.o lib/route/route.o lib/route/routeparam.o lib/route/health.o \
             lib/route/budget.o lib/route/routesnap.o lib/route/routekeep.o lib/route/routeout.o \
             lib/route/routestatus.o lib/route/routecli.o lib/route/pool.o lib/route/probe.o \
             lib/route/metrics.o \
             lib/route/statuspage.o lib/report/table.o lib/report/column.o lib/report/figure.o \
             lib/report/escape.o \
             lib/web/cgi.o lib/web/form.o lib/web/fastcgi.o lib/web/routecgi.o

# web: the gateway, the decision path plus libcurl (forwarding) and libjq (JSON).
GATEWAY_OBJS = $(ROUTE_OBJS) lib/web/gateway.o lib/web/fallback.o lib/web/chatreq.o \
               lib/web/gwload.o lib/web/forward.o lib/web/clientkeys.o lib/web/gwalert.o \
               lib/discover/alert.o lib/discover/http.o lib/core/sha256.o lib/web/cache.o

# afmts-batch: the gateway's decision and forwarding, its workers, its state
# file and its JSON lines in.
BATCHRUN_OBJS = $(GATEWAY_OBJS) lib/web/batch.o lib/web/batchwork.o lib/web/batchstate.o \
                lib/stream/jsonl.o

# report: SQLite and our own code.
REPORT_OBJS = $(CORE_OBJS) $(CATALOG_OBJS) lib/core/outfile.o \
              lib/report/report.o lib/report/reportsql.o lib/report/period.o lib/report/table.o \
              lib/report/escape.o lib/report/column.o lib/report/figure.o lib/report/chart.o \
              lib/report/refprice.o

# notify: a discovery run's summary to webhooks (libcurl, libjq).
NOTIFY_OBJS = $(CORE_OBJS) lib/discover/alert.o lib/discover/http.o

UNIT_OBJS  = test/unit/unit.o test/unit/test_jsonl.o test/unit/test_utctime.o \
             test/unit/test_paths.o test/unit/test_model.o test/unit/test_registry.o \
             test/unit/test_finish.o test/unit/test_strset.o test/unit/test_fetch.o \
             test/unit/test_escape.o test/unit/test_usage.o test/unit/test_modelscan.o \
             test/unit/test_figure.o test/unit/test_form.o test/unit/test_route.o test/unit/test_names.o \
             test/unit/test_probe.o test/unit/test_cache.o

BENCH_PROGS = test/bench/jvraw test/bench/spawn test/bench/sqlfloor

MAN1 = man/afmts-batch.1 man/afmts-discover.1 man/afmts-fetch.1 man/afmts-gateway.1 man/afmts-notify.1 man/afmts-parse.1 \
       man/afmts-report.1 \
       man/afmts-report-daily.1 man/afmts-route.1 man/afmts-serve.1 \
       man/afmts-track.1
MAN7 = man/afmts.7 man/afmts-providers.7

.PHONY: all deps run serve check test asan bench install uninstall clean lint fuzz fuzzers \
        fuzz-replay

all: $(PROGS)

lib/discover/htmltree.o: lib/discover/htmltree.c
	$(CC) $(CPPFLAGS) $(CFLAGS) $(XML_CFLAGS) -c -o $@ lib/discover/htmltree.c

bin/afmts-parse: bin/afmts-parse.o $(PARSE_OBJS) $(BATCH_OBJS)
	$(CC) $(LDFLAGS) -o $@ bin/afmts-parse.o $(PARSE_OBJS) $(BATCH_OBJS) $(JQ_LIBS) $(XML_LIBS) -lm -pthread

bin/afmts-fetch: bin/afmts-fetch.o $(FETCH_OBJS) $(BATCH_OBJS)
	$(CC) $(LDFLAGS) -o $@ bin/afmts-fetch.o $(FETCH_OBJS) $(BATCH_OBJS) $(JQ_LIBS) `pkg-config --libs libcurl libarchive` -lm -pthread

bin/afmts-track: bin/afmts-track.o $(TRACK_OBJS) $(BATCH_OBJS)
	$(CC) $(LDFLAGS) -o $@ bin/afmts-track.o $(TRACK_OBJS) $(BATCH_OBJS) $(JQ_LIBS) `pkg-config --libs sqlite3` -lm -pthread

# A decision costs little more than its exec, and dynamic loading and
# relocation are most of an exec: afmts-route is linked statically (Debian's
# libsqlite3.a).  Sanitizers need dynamic linking: make asan sets ROUTE_STATIC=.
# (ld warns that SQLite's extension loading, which we never use, needs glibc's
# shared libraries at run time; -w keeps that one warning out of the build.)
ROUTE_STATIC ?= -static -Wl,-w
bin/afmts-route: bin/afmts-route.o $(ROUTE_OBJS)
	$(CC) $(LDFLAGS) $(ROUTE_STATIC) -o $@ bin/afmts-route.o $(ROUTE_OBJS) \
		`pkg-config --libs $(if $(ROUTE_STATIC),--static) sqlite3` -lm

bin/afmts-gateway: bin/afmts-gateway.o $(GATEWAY_OBJS)
	$(CC) $(LDFLAGS) -o $@ bin/afmts-gateway.o $(GATEWAY_OBJS) \
		`pkg-config --libs sqlite3 libcurl` $(JQ_LIBS) -lm

bin/afmts-batch: bin/afmts-batch.o $(BATCHRUN_OBJS)
	$(CC) $(LDFLAGS) -o $@ bin/afmts-batch.o $(BATCHRUN_OBJS) \
		`pkg-config --libs sqlite3 libcurl` $(JQ_LIBS) -lm -pthread

bin/afmts-notify: bin/afmts-notify.o $(NOTIFY_OBJS)
	$(CC) $(LDFLAGS) -o $@ bin/afmts-notify.o $(NOTIFY_OBJS) `pkg-config --libs libcurl` $(JQ_LIBS) -lm

bin/afmts-report: bin/afmts-report.o $(REPORT_OBJS)
	$(CC) $(LDFLAGS) -o $@ bin/afmts-report.o $(REPORT_OBJS) `pkg-config --libs sqlite3` -lm

UNIT_LIB_OBJS = $(PARSE_OBJS) lib/discover/http.o lib/discover/fetchline.o lib/discover/pages.o lib/discover/follow.o lib/discover/condcache.o lib/report/escape.o lib/report/table.o \
                lib/report/column.o lib/report/figure.o \
                lib/report/period.o lib/report/chart.o lib/core/jsonw.o lib/core/sha256.o \
                lib/catalog/usagecheck.o $(USAGE_OBJS) lib/catalog/catalog.o lib/catalog/latency.o lib/catalog/modelscan.o lib/web/form.o \
                lib/route/health.o lib/route/budget.o lib/route/routesnap.o lib/route/routeparam.o \
                lib/route/pool.o lib/route/probe.o lib/web/cache.o

test/unit/run: $(UNIT_OBJS) $(UNIT_LIB_OBJS) $(BATCH_OBJS)
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(sort $(UNIT_LIB_OBJS) $(BATCH_OBJS)) $(JQ_LIBS) $(XML_LIBS) \
		`pkg-config --libs libcurl sqlite3` -lm -pthread

# The constraint table's tests include lib/route/route.c.
test/unit/test_route.o: lib/route/route.c

test/bench/jvraw: test/bench/jvraw.o
	$(CC) $(LDFLAGS) -o $@ test/bench/jvraw.o $(JQ_LIBS)

# Linked as afmts-route is: the floor under a decision.
test/bench/sqlfloor: test/bench/sqlfloor.o
	$(CC) $(LDFLAGS) $(ROUTE_STATIC) -o $@ test/bench/sqlfloor.o \
		`pkg-config --libs $(if $(ROUTE_STATIC),--static) sqlite3` -lm

# Headers: every object depends on every header of lib/ (there are few).
$(BATCH_OBJS) $(PARSE_OBJS) $(FETCH_OBJS) $(TRACK_OBJS) $(GATEWAY_OBJS) $(REPORT_OBJS) $(UNIT_OBJS) \
	$(NOTIFY_OBJS) $(BATCHRUN_OBJS) bin/afmts-batch.o bin/afmts-fetch.o bin/afmts-parse.o bin/afmts-track.o bin/afmts-route.o \
	bin/afmts-report.o bin/afmts-gateway.o bin/afmts-notify.o: \
	lib/*/*.h test/unit/unit.h

# Install what is missing from Debian's packages, as root or through sudo.
deps:
	@missing=; for p in $(BUILD_PKGS) $(TEST_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || \
			missing="$$missing $$p"; \
	done; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing$$missing"; \
		if [ "$$(id -u)" = 0 ]; then sudo=; \
		elif command -v sudo >/dev/null; then sudo=sudo; \
		else echo "make deps: need root or sudo to install:$$missing" >&2; exit 1; fi; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing || exit 1; \
	fi; \
	if [ ! -d test/sdk/node_modules ]; then \
		echo "make deps: installing test/sdk/node_modules (the openai npm package, for test/sdk.bats)"; \
		npm ci --prefix test/sdk --no-audit --no-fund; \
	fi

# The demo: the bundled real provider responses into a catalog, summarised.
run: deps
	$(MAKE) all
	@AFMTS_DATADIR=$${AFMTS_DATADIR:-$(CURDIR)} LIVE=$(LIVE) sh examples/demo

# The endpoint, on the demo's catalog (made by the demo when missing).
serve: deps
	$(MAKE) all
	@[ -f examples/out/catalog.db ] || sh examples/demo
	@sh schedule/afmts-serve --listen $(LISTEN) --db examples/out/catalog.db

check: deps
	$(MAKE) all test/unit/run fuzz-replay
	@sh test/run-all

# What check runs, without installing anything.
test: all test/unit/run fuzz-replay
	@sh test/run-all

asan:
	$(MAKE) clean
	$(MAKE) OPTFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
		LDFLAGS='-fsanitize=address,undefined' ROUTE_STATIC= all test/unit/run fuzz-replay
	@AFMTS_ASAN=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 sh test/run-all
	$(MAKE) clean

bench: all $(BENCH_PROGS)
	@BEFORE=$(BEFORE) sh test/bench/run

# Fuzzing (test/fuzz/README).  Each harness test/fuzz/NAME.c is built twice:
# with clang and libFuzzer (test/fuzz/bin/NAME, for make fuzz), and with $(CC)
# and replay.c's main (test/fuzz/bin/NAME-replay, which make check runs over
# the seed corpora and saved crashes).  The clang objects of lib/ live in
# test/fuzz/obj/, apart from the normal ones.
FUZZ         = cgi chatreq clientkeys escape fastcgi forward htmltree jsonl pages probe routesnap runreplay
FUZZ_SECONDS ?= 60
FUZZ_CC      = clang
FUZZ_CFLAGS  = -std=c11 -pthread -O1 -g -fno-omit-frame-pointer $(WARNINGS) \
               -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_LIBS    = $(JQ_LIBS) $(XML_LIBS) `pkg-config --libs sqlite3 libcurl libarchive` -lm -pthread
LIB_OBJS     = $(sort $(BATCH_OBJS) $(PARSE_OBJS) $(FETCH_OBJS) $(TRACK_OBJS) $(GATEWAY_OBJS) \
               $(REPORT_OBJS) $(NOTIFY_OBJS) $(BATCHRUN_OBJS))
FUZZ_LIB_OBJS = $(LIB_OBJS:lib/%=test/fuzz/obj/lib/%)

fuzzers: $(FUZZ:%=test/fuzz/bin/%)
fuzz-replay: $(FUZZ:%=test/fuzz/bin/%-replay)

fuzz: deps
	$(MAKE) fuzzers
	@sh test/fuzz/run $(FUZZ_SECONDS) $(FUZZ)

test/fuzz/obj/lib/%.o: lib/%.c lib/*/*.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $(XML_CFLAGS) -c -o $@ $<

test/fuzz/obj/%.o: test/fuzz/%.c test/fuzz/fuzz.h lib/*/*.h
	@mkdir -p test/fuzz/obj
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $(XML_CFLAGS) -c -o $@ $<

# The linker takes from the archives only the modules a harness uses.
test/fuzz/obj/libafmts.a: $(FUZZ_LIB_OBJS)
	rm -f $@ && ar rc $@ $(FUZZ_LIB_OBJS)

test/fuzz/libafmts.a: $(LIB_OBJS)
	rm -f $@ && ar rc $@ $(LIB_OBJS)

test/fuzz/bin/%: test/fuzz/obj/%.o test/fuzz/obj/libafmts.a
	@mkdir -p test/fuzz/bin
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $< test/fuzz/obj/libafmts.a $(FUZZ_LIBS)

test/fuzz/bin/%-replay: test/fuzz/%.o test/fuzz/replay.o test/fuzz/libafmts.a
	@mkdir -p test/fuzz/bin
	$(CC) $(LDFLAGS) -o $@ $< test/fuzz/replay.o test/fuzz/libafmts.a $(FUZZ_LIBS)

$(FUZZ:%=test/fuzz/%.o) test/fuzz/replay.o: lib/*/*.h test/fuzz/fuzz.h
.SECONDARY: $(FUZZ:%=test/fuzz/%.o) $(FUZZ:%=test/fuzz/obj/%.o)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/parsers/providers $(DESTDIR)$(DATADIR)/sql \
		$(DESTDIR)$(DATADIR)/parsers/dialects $(DESTDIR)$(DATADIR)/reports \
		$(DESTDIR)$(DATADIR)/schedule $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(PROGS) $(SCRIPTS) $(DESTDIR)$(BINDIR)
	install -m 644 parsers/prelude.jq parsers/families parsers/features $(DESTDIR)$(DATADIR)/parsers
	install -m 644 parsers/providers/*.json $(DESTDIR)$(DATADIR)/parsers/providers
	install -m 644 parsers/dialects/*.jq $(DESTDIR)$(DATADIR)/parsers/dialects
	install -m 644 sql/*.sql $(DESTDIR)$(DATADIR)/sql
	install -m 644 reports/report.html reports/reference-prices.tsv $(DESTDIR)$(DATADIR)/reports
	install -m 644 schedule/crontab.example $(DESTDIR)$(DATADIR)/schedule
	for u in $(UNITS); do \
		sed 's|@BINDIR@|$(BINDIR)|g' $$u > $(DESTDIR)$(UNITDIR)/$${u##*/} && \
		chmod 644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7

uninstall:
	for p in $(PROGS) $(SCRIPTS); do rm -f $(DESTDIR)$(BINDIR)/$${p##*/}; done
	rm -rf $(DESTDIR)$(DATADIR)
	for u in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$${u##*/}; done
	for m in $(MAN1); do rm -f $(DESTDIR)$(MANDIR)/man1/$${m#man/}; done
	for m in $(MAN7); do rm -f $(DESTDIR)$(MANDIR)/man7/$${m#man/}; done

clean:
	rm -f bin/*.o lib/*/*.o test/unit/*.o test/bench/*.o $(PROGS) test/unit/run $(BENCH_PROGS)
	rm -rf test/fuzz/*.o test/fuzz/libafmts.a test/fuzz/obj test/fuzz/bin test/fuzz/out
