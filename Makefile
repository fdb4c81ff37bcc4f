# authalign - non-recursive build. `make deps` (sh deps.sh) installs what everything needs.
#   make            build/authalign.so and build/authalign (the tool)
#   make check      unit tests, conformance suites, integration tests (real Exim + DNS)
#   make demo       the hermetic mail world: real messages through Exim, verdicts printed
#   make bench      benchmark through the real Exim (not part of check)
#   make soak       one Exim process's memory over 100,000 messages (not part of check)
#   make bench-table  time to read big lsearch tables (not part of check)
#   make sanitize   unit tests and conformance suites under ASan + UBSan (build-san/)
#   make install    DESTDIR= PREFIX=/usr/local SYSCONFDIR=/etc (the package uses PREFIX=/usr)
#   make man        the man pages, build/man/*.{3,5,8}, from doc/*.md (part of all)
#   make package    the .deb, built from a copy of the tree in build/package, lintian-checked
#   make fresh-install-test  that .deb on a debootstrapped Debian 12 with stock Exim (build/fresh/)

CC       ?= cc
BUILD    := build
EXIM_INC := /usr/include/exim4
CFLAGS   ?= -O2 -g
# libpq's header lives in a directory of its own (Debian: /usr/include/postgresql)
PQ_INC   := $(shell pkg-config --cflags libpq 2>/dev/null || echo -I/usr/include/postgresql)
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -fPIC -fvisibility=hidden \
            -D_FORTIFY_SOURCE=2 -fstack-protector-strong -Iinclude -I$(BUILD)/gen $(PQ_INC) $(SAN_CFLAGS) \
            $(CPPFLAGS)
LIBS     := -lspf2 -lopendkim -lopendmarc -lpsl -lidn2 -lresolv -lcrypto -lsqlite3 -lpq
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

CORE_SRC    := $(sort $(wildcard core/*/*.c))
CORE_HDR    := $(wildcard include/*.h core/*/*.h)
CORE_OBJ    := $(CORE_SRC:%.c=$(BUILD)/%.o)
PLUGIN_SRC  := $(sort $(wildcard exim/*.c local_scan/*.c lookups/*.c))
PLUGIN_OBJ  := $(PLUGIN_SRC:%.c=$(BUILD)/%.o)
TOOL_SRC    := $(sort $(wildcard tools/*.c))
TOOL_OBJ    := $(TOOL_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC    := $(sort $(wildcard test/unit/check_*.c))
UNIT_OBJ    := $(UNIT_SRC:%.c=$(BUILD)/%.o)
UNIT_SUITES := $(patsubst test/unit/check_%.c,%,$(UNIT_SRC))
ITEST_SRC   := $(sort $(wildcard test/itest/check_*.c))
ITEST_OBJ   := $(ITEST_SRC:%.c=$(BUILD)/%.o)
ITEST_SUITES:= $(patsubst test/itest/check_%.c,%,$(ITEST_SRC))

SO := $(BUILD)/authalign.so

# The version has one place: the newest entry of debian/changelog. The
# tool, the plugin's log and the package all take it from there.
VERSION   := $(shell sed -n '1s/^[^ ]* [(]\([^ ]*\)[)] .*/\1/p' debian/changelog)
VERSION_H := $(BUILD)/gen/aa_version.h
ifeq ($(VERSION),)
$(error cannot read the version from debian/changelog)
endif

.PHONY: all check unit conformance itest demo bench soak bench-table deps clean fuzz sanitize install uninstall \
	man man-check package fresh-install-test up-to-date install-check layout-check fuzz-smoke \
	feedback-check

all: $(SO) $(BUILD)/authalign man

# Made from debian/changelog, whose every edit is newer: the same text is
# only touched (so that the next make, and make -n in up-to-date, finds it
# current), and what includes it rebuilds once.
$(VERSION_H): debian/changelog
	@mkdir -p $(dir $@)
	@printf '/* generated from debian/changelog by the Makefile */\n#define AA_VERSION "%s"\n' \
	    '$(VERSION)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; touch $@; else mv $@.tmp $@; fi

$(BUILD)/%.o: %.c $(CORE_HDR) $(VERSION_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The Exim adapters see local_scan.h; core never does. exim/ is the layer
# local_scan/ and lookups/ share (exim/aa_exim.h); neither includes the
# other. local_scan.h gives LOCAL_SCAN (local_scan()) and DLFUNC_IMPL
# (${dlfunc}) one meaning, the plugin-side names of Exim's string_copy()
# and child_open(); exim/ serves both callers and gets both.
EXIM_HDR := $(wildcard include/*.h exim/*.h)
$(BUILD)/exim/%.o: exim/%.c $(EXIM_HDR) $(VERSION_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(EXIM_INC) -Iexim -DLOCAL_SCAN -DDLFUNC_IMPL -c $< -o $@
$(BUILD)/local_scan/%.o: local_scan/%.c $(EXIM_HDR) $(wildcard local_scan/*.h) $(VERSION_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(EXIM_INC) -Iexim -DLOCAL_SCAN -c $< -o $@
$(BUILD)/lookups/%.o: lookups/%.c $(EXIM_HDR) $(wildcard lookups/*.h) $(VERSION_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(EXIM_INC) -Iexim -DDLFUNC_IMPL -c $< -o $@

$(BUILD)/libauthalign.a: $(CORE_OBJ)
	rm -f $@
	ar rcs $@ $^

# abi-check is order-only: it runs every time and never forces a relink (a
# `sudo make install` after `make` must not rewrite build/ as root)
$(SO): $(PLUGIN_OBJ) $(BUILD)/libauthalign.a authalign.map | abi-check
	$(CC) -shared -Wl,--version-script=authalign.map -Wl,-z,relro,-z,now $(LDFLAGS) \
	    -o $@ $(PLUGIN_OBJ) $(BUILD)/libauthalign.a $(LIBS)

# The exported ABI numbers must be the ones of the installed Exim.
.PHONY: abi-check
abi-check:
	@want=$$(exim4-localscan-plugin-config --localscan-apiversion 2>/dev/null); \
	have=$$(sed -n 's/^#define LOCAL_SCAN_ABI_VERSION_MAJOR \([0-9]*\).*/\1/p' $(EXIM_INC)/local_scan.h).$$(sed -n 's/^#define LOCAL_SCAN_ABI_VERSION_MINOR \([0-9]*\).*/\1/p' $(EXIM_INC)/local_scan.h); \
	if [ "$$want" != "$$have" ]; then echo "local_scan ABI mismatch: exim says '$$want', local_scan.h says '$$have'"; exit 1; fi

$(BUILD)/authalign: $(TOOL_OBJ) $(BUILD)/libauthalign.a
	@if [ -n "$(TOOL_OBJ)" ]; then $(CC) $(LDFLAGS) -o $@ $(TOOL_OBJ) $(BUILD)/libauthalign.a $(LIBS); else touch $@; fi

# ---- tests ----
$(BUILD)/test/unit_suites.h: Makefile $(UNIT_SRC)
	@mkdir -p $(dir $@)
	@{ for s in $(UNIT_SUITES); do echo "Suite *suite_$$s(void);"; done; \
	   echo "#define UNIT_SUITES \\"; for s in $(UNIT_SUITES); do echo "	suite_$$s, \\"; done; echo; } > $@
$(BUILD)/test/itest_suites.h: Makefile $(ITEST_SRC)
	@mkdir -p $(dir $@)
	@{ for s in $(ITEST_SUITES); do echo "Suite *suite_$$s(void);"; done; \
	   echo "#define UNIT_SUITES \\"; for s in $(ITEST_SUITES); do echo "	suite_$$s, \\"; done; echo; } > $@

$(BUILD)/test/unit/%.o: test/unit/%.c $(CORE_HDR) $(wildcard exim/aa_exim.h test/unit/*.h) $(VERSION_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-error=unused-parameter -Itest/unit -Iexim -c $< -o $@
$(BUILD)/test/itest/%.o: test/itest/%.c $(wildcard include/*.h test/itest/*.h test/unit/*.h) $(VERSION_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itest/unit -Itest/itest -c $< -o $@

# the adapter layer's files that need no Exim run in the unit tests too
UNIT_EXIM_OBJ := $(BUILD)/exim/spf_memo.o
$(BUILD)/test/run_unit: test/unit/run_suites.c $(BUILD)/test/unit_suites.h $(UNIT_OBJ) $(UNIT_EXIM_OBJ) \
		$(BUILD)/libauthalign.a $(BUILD)/test/spf_bindings
	$(CC) $(CFLAGS) -I$(BUILD)/test -o $@ test/unit/run_suites.c $(UNIT_OBJ) $(UNIT_EXIM_OBJ) \
	    $(BUILD)/libauthalign.a $(LIBS) $(CHECK_LIBS)
# run by the spf_binding suite, from beside run_unit
$(BUILD)/test/spf_bindings: test/unit/spf_bindings.c $(BUILD)/libauthalign.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ test/unit/spf_bindings.c $(BUILD)/libauthalign.a $(LIBS)
$(BUILD)/test/run_itest: test/unit/run_suites.c $(BUILD)/test/itest_suites.h $(ITEST_OBJ) $(BUILD)/libauthalign.a
	$(CC) $(CFLAGS) -I$(BUILD)/test -DSUITES_HEADER='"itest_suites.h"' -o $@ test/unit/run_suites.c $(ITEST_OBJ) $(BUILD)/libauthalign.a $(LIBS) $(CHECK_LIBS)

unit: $(BUILD)/test/run_unit
	$(BUILD)/test/run_unit

# Conformance: test/conformance/driver_<suite>.c is a small C program that
# feeds cases to the core; run_<suite>.py reads the external YAML and
# compares. run-all skips (and says so) when ../shared/conformance is absent.
CONF_DRIVERS := $(patsubst test/conformance/driver_%.c,$(BUILD)/test/driver_%,$(wildcard test/conformance/driver_*.c))
$(BUILD)/test/driver_%: test/conformance/driver_%.c $(BUILD)/libauthalign.a $(wildcard include/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itest/conformance -o $@ $< $(BUILD)/libauthalign.a $(LIBS)

conformance: $(CONF_DRIVERS)
	test/conformance/run-all

# The integration tests run inside the hermetic world (test/world/in-world):
# private namespaces, Knot DNS and an Exim daemon with the plugin.
itest: all $(BUILD)/test/run_itest test/world/in-world
	test/world/in-world $(BUILD)/test/run_itest

check: all unit feedback-check conformance man-check up-to-date install-check layout-check itest

# The feedback store under many processes at once, in SQLite and in a real
# PostgreSQL server the test starts itself (test/feedback/run), and
# authalign status and forget against both.
$(BUILD)/test/feedback_stress: test/feedback/stress.c $(BUILD)/libauthalign.a $(wildcard include/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ test/feedback/stress.c $(BUILD)/libauthalign.a $(LIBS)
feedback-check: all $(BUILD)/test/feedback_stress
	test/feedback/run $(BUILD)

# the architecture: opening comments, includes, no include or call cycle,
# README.md's layout table (test/layout/check-layout, with its self-test)
layout-check: all
	test/layout/check-layout --self-test
	test/layout/check-layout $(BUILD)

# make install: the layout, modes, paths with spaces, a live install
# keeping the admin's /etc files (test/install/check-install)
install-check: all
	test/install/check-install $(BUILD)/install-check

# a second `make` right after the first builds nothing (so `sudo make
# install` after `make` writes nothing under build/ as root)
up-to-date: all
	@if $(MAKE) -n all | grep -E '^($(CC)|python3|ar) '; then \
	  echo "up-to-date: make all rebuilds the above when nothing changed"; exit 1; fi

# ---- man pages: doc/NAME.SECTION.md -> build/man/NAME.SECTION ----
# doc/md2man reads the version and date from debian/changelog's newest
# entry (the same page from the same release, whenever it is built).
MAN_SRC   := $(sort $(wildcard doc/*.[1-8].md))
MAN_PAGES := $(MAN_SRC:doc/%.md=$(BUILD)/man/%)
man: $(MAN_PAGES)
$(BUILD)/man/%: doc/%.md doc/md2man debian/changelog
	@mkdir -p $(dir $@)
	python3 doc/md2man --changelog debian/changelog $< >$@.tmp && mv $@.tmp $@
# the converter against a golden page of every construct and roff special;
# then lintian's groff check, whatis entries, SEE ALSO names that exist
man-check: man
	python3 doc/md2man --version 9.9 --date 2000-01-01 test/man/escape.1.md | \
	    diff -u test/man/escape.1.ref - || { echo "man-check: md2man output changed"; exit 1; }
	test/man/check-pages $(MAN_PAGES) test/man/escape.1.ref

# Sanitizers (make sanitize; .ci/run runs it after check): the core, the
# unit tests and the conformance drivers built again in build-san/ with
# AddressSanitizer and UndefinedBehaviorSanitizer, then run with
# stack-use-after-return detection and leak checks on. Any report fails:
# every undefined behaviour aborts (-fno-sanitize-recover=all), Check runs
# the tests in one process (CK_FORK=no, so a report cannot hide in a forked
# child), and every report is also written under build-san/reports/, which
# must stay empty (a driver that dies under a python runner could
# otherwise pass for an expected deviation). test/sanitize/lsan.supp names
# the leaks inside the libraries that are not ours. ASan does not see a
# write that libopendkim itself makes out of bounds (the library is not
# instrumented), so the DKIM unit suite, which feeds it hostile fields,
# also runs on the plain build under valgrind.
SAN_BUILD := build-san
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_REPORTS := $(CURDIR)/$(SAN_BUILD)/reports
SAN_ENV := ASAN_OPTIONS=detect_stack_use_after_return=1:detect_leaks=1:fast_unwind_on_malloc=0:log_path=$(SAN_REPORTS)/asan \
	   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(SAN_REPORTS)/ubsan \
	   LSAN_OPTIONS=suppressions=$(CURDIR)/test/sanitize/lsan.supp:print_suppressions=0 \
	   CK_FORK=no
sanitize: fuzz-smoke
	$(MAKE) BUILD=$(SAN_BUILD) SAN_CFLAGS="$(SAN_FLAGS)" $(SAN_BUILD)/test/run_unit \
	    $(patsubst $(BUILD)/%,$(SAN_BUILD)/%,$(CONF_DRIVERS))
	$(MAKE) $(BUILD)/test/run_unit
	@rm -rf $(SAN_REPORTS); mkdir -p $(SAN_REPORTS)
	@status=0; \
	$(SAN_ENV) $(SAN_BUILD)/test/run_unit || status=1; \
	CK_FORK=no CK_RUN_SUITE=dkim valgrind -q --error-exitcode=9 \
	    $(BUILD)/test/run_unit >$(SAN_BUILD)/valgrind-dkim.log 2>&1 || \
	    { cat $(SAN_BUILD)/valgrind-dkim.log; echo "sanitize: valgrind on the DKIM suite failed"; status=1; }; \
	$(SAN_ENV) AA_BUILD=$(CURDIR)/$(SAN_BUILD) test/conformance/run-all || status=1; \
	if [ -n "$$(ls -A $(SAN_REPORTS))" ]; then \
	  cat $(SAN_REPORTS)/*; echo "sanitize: reports in $(SAN_REPORTS)"; status=1; fi; \
	[ $$status = 0 ] && echo "sanitize: unit tests and conformance suites clean under ASan+UBSan (DKIM suite: valgrind)"; \
	exit $$status

# Fuzzing (not part of check or CI; test/fuzz/README.md): each
# test/fuzz/fuzz_<name>.c runs FUZZ_SECONDS, one after the other, on its
# seeds and a corpus kept in build/fuzz. FUZZ_TARGETS= picks some names
# (make fuzz FUZZ_TARGETS="dns_wire from"). Everything is built with clang
# into build/fuzz, apart from the normal objects.
FUZZ_SECONDS ?= 60
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_ALL     := $(patsubst test/fuzz/fuzz_%.c,%,$(sort $(wildcard test/fuzz/fuzz_*.c)))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_CC      := clang
FUZZ_CFLAGS  := -g -O1 -std=gnu11 -Wall -Wextra -Werror -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=all -Iinclude -I$(BUILD)/gen $(PQ_INC)
FUZZ_MAXLEN  := 65536
FUZZ_MAXLEN_from := 131072
FUZZ_ASAN_OPTIONS ?= detect_stack_use_after_return=1
FUZZ_CORE_OBJ := $(CORE_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
# fuzz_plandata runs the real ${dlfunc} lookups on a stand-in for Exim:
# the adapter layer but where a message comes from (only local_scan() asks)
FUZZ_EXTRA_plandata := lookups/outbound.c test/fuzz/exim_stub.c \
    $(filter-out exim/source.c,$(wildcard exim/*.c))
fuzz_extra_obj = $(addprefix $(FUZZ_DIR)/obj/,$(patsubst %.c,%.o,$(FUZZ_EXTRA_$(1))))
$(FUZZ_DIR)/obj/core/%.o: core/%.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
$(FUZZ_DIR)/obj/%.o: %.c $(wildcard include/*.h exim/*.h lookups/*.h) $(VERSION_H)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(EXIM_INC) -Iexim -DDLFUNC_IMPL -Itest/unit -c $< -o $@
.PRECIOUS: $(FUZZ_DIR)/obj/%.o $(FUZZ_DIR)/obj/core/%.o
.SECONDEXPANSION:
$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/test/fuzz/fuzz_%.o $(FUZZ_CORE_OBJ) \
		$$(call fuzz_extra_obj,$$*)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LIBS)

# one target: $(1) is its name; FUZZ_MAXLEN_<name> overrides FUZZ_MAXLEN.
# A target that stops (a crash) is named at the end; the others still run.
fuzz_run = { mkdir -p $(FUZZ_DIR)/corpus-$(1) && \
	echo "fuzz_$(1): $(FUZZ_SECONDS) s, max_len $(or $(FUZZ_MAXLEN_$(1)),$(FUZZ_MAXLEN))" && \
	ASAN_OPTIONS=$(FUZZ_ASAN_OPTIONS) $(FUZZ_DIR)/fuzz_$(1) -max_total_time=$(FUZZ_SECONDS) \
	  -max_len=$(or $(FUZZ_MAXLEN_$(1)),$(FUZZ_MAXLEN)) -timeout=10 -print_final_stats=1 \
	  -artifact_prefix=$(FUZZ_DIR)/$(1)- $(if $(wildcard test/fuzz/$(1).dict),-dict=test/fuzz/$(1).dict) \
	  $(FUZZ_DIR)/corpus-$(1) test/fuzz/seeds/$(1); } || failed="$$failed $(1)"

fuzz: $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
	@failed=; $(foreach t,$(FUZZ_TARGETS),$(call fuzz_run,$(t));) \
	if [ -n "$$failed" ]; then echo "make fuzz: stopped:$$failed (see $(FUZZ_DIR)/*-crash-*)"; exit 1; fi

# every fuzz target builds and runs its seeds once (part of make sanitize,
# so a target cannot rot between fuzzing campaigns)
fuzz-smoke: $(FUZZ_ALL:%=$(FUZZ_DIR)/fuzz_%)
	@failed=; for t in $(FUZZ_ALL); do \
	  ASAN_OPTIONS=$(FUZZ_ASAN_OPTIONS) $(FUZZ_DIR)/fuzz_$$t -runs=0 -max_len=$(FUZZ_MAXLEN_from) \
	    test/fuzz/seeds/$$t >$(FUZZ_DIR)/smoke-$$t.log 2>&1 || { tail -20 $(FUZZ_DIR)/smoke-$$t.log; failed="$$failed $$t"; }; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz-smoke: failed:$$failed"; exit 1; fi; \
	echo "fuzz-smoke: $(words $(FUZZ_ALL)) fuzz targets built and ran their seeds"

# The fresh-install test (test/fresh-install/run): a Debian 12 root made with
# debootstrap (cached in build/fresh), stock exim4-daemon-heavy, the package
# installed with apt and switched on both ways, then removed and purged.
# (test/fresh-install/run without a package checks stock Exim alone.)
fresh-install-test: package
	test/fresh-install/run $(PKG_DIR)/exim4-authalign_$(VERSION)_$(PKG_ARCH).deb

demo: all
	test/world/demo

bench: all
	bench/run

# SOAK_MESSAGES on one connection, for each of BENCH_WAYS (bench/README.md)
soak: all
	BENCH_SOAK=$${SOAK_MESSAGES:-100000} BENCH_WAYS="$${BENCH_WAYS:-none authalign}" \
	    BENCH_TIMEOUT=$${BENCH_TIMEOUT:-5400} bench/run

# reading tables (core/lib/table.c): timing, not a test
bench-table: $(BUILD)/bench/table
	$(BUILD)/bench/table

$(BUILD)/bench/table: bench/table.c $(BUILD)/libauthalign.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ bench/table.c $(BUILD)/libauthalign.a $(LIBS)

deps:
	sh ./deps.sh

# ---- install (the Debian package runs it with PREFIX=/usr) ----
# Files under SYSCONFDIR are the admin's: a plain `make install` on a live
# system never overwrites one that exists (a staged install, DESTDIR set,
# always writes them). The Exim lines that change with a release live in
# DATADIR and are reached through .include_if_exists, so a removed package
# leaves Exim as it was.
PREFIX      ?= /usr/local
SYSCONFDIR  ?= /etc
LIBDIR      ?= $(PREFIX)/lib/exim4/local_scan
SBINDIR     ?= $(PREFIX)/sbin
DATADIR     ?= $(PREFIX)/share/authalign
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/authalign
EXIMCONFDIR ?= $(SYSCONFDIR)/exim4
SUBST := sed -e 's|@DATADIR@|$(DATADIR)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@EXIMCONFDIR@|$(EXIMCONFDIR)|g'
EXAMPLES := conf.d-examples/exim.conf conf.d-examples/exim-relay.conf \
	    conf.d-examples/exim-sender.conf conf.d-examples/exim-receiver.conf \
	    conf.d-examples/authalign.conf conf.d-examples/authalign-domains
# an admin's file: written unless it exists on a live system. $(1) is the
# command that prints it, $(2) the path. Every path is quoted (DESTDIR and
# PREFIX may hold spaces); nothing is written under build/ (a root install
# after a user's build leaves the tree the user's).
install_conf = p="$(2)"; if [ -z "$(DESTDIR)" ] && [ -e "$$p" ]; then \
	  echo "install: keeping $$p (yours; not replaced)"; \
	else install -d "$${p%/*}" && $(1) >"$$p" && chmod 644 "$$p"; fi

install: all
	install -D -m 644 $(SO) "$(DESTDIR)$(LIBDIR)/authalign.so"
	install -D -m 755 $(BUILD)/authalign "$(DESTDIR)$(SBINDIR)/authalign"
	install -d "$(DESTDIR)$(DATADIR)/exim" "$(DESTDIR)$(DOCDIR)/examples"
	$(SUBST) conf.d-examples/debian/authalign-main.conf.in >"$(DESTDIR)$(DATADIR)/exim/main.conf"
	chmod 644 "$(DESTDIR)$(DATADIR)/exim/main.conf"
	install -m 644 conf.d-examples/debian/authalign-rcpt.acl "$(DESTDIR)$(DATADIR)/exim/rcpt.acl"
	$(SUBST) conf.d-examples/debian/authalign-bounce.in >"$(DESTDIR)$(DATADIR)/exim/bounce"
	chmod 644 "$(DESTDIR)$(DATADIR)/exim/bounce"
	install -m 644 conf.d-examples/authalign-profiles "$(DESTDIR)$(DATADIR)/profiles"
	install -m 644 $(EXAMPLES) "$(DESTDIR)$(DOCDIR)/examples/"
	@$(call install_conf,$(SUBST) conf.d-examples/debian/main/05_authalign.in,$(DESTDIR)$(EXIMCONFDIR)/conf.d/main/05_authalign)
	@$(call install_conf,cat conf.d-examples/debian/router/190_authalign_outbound,$(DESTDIR)$(EXIMCONFDIR)/conf.d/router/190_authalign_outbound)
	@$(call install_conf,cat conf.d-examples/debian/transport/30_exim4-config_remote_smtp_authalign,$(DESTDIR)$(EXIMCONFDIR)/conf.d/transport/30_exim4-config_remote_smtp_authalign)
	@$(call install_conf,cat conf.d-examples/debian/transport/30_exim4-config_remote_smtp_smarthost_authalign,$(DESTDIR)$(EXIMCONFDIR)/conf.d/transport/30_exim4-config_remote_smtp_smarthost_authalign)
	@$(call install_conf,cat conf.d-examples/authalign.conf,$(DESTDIR)$(EXIMCONFDIR)/authalign.conf)
	@$(call install_conf,cat conf.d-examples/authalign-domains,$(DESTDIR)$(EXIMCONFDIR)/authalign-domains)
	@for page in $(BUILD)/man/*.[1-8]; do [ -e "$$page" ] || continue; \
	  sec=$${page##*.}; install -D -m 644 "$$page" "$(DESTDIR)$(MANDIR)/man$$sec/$${page##*/}" || exit 1; done

# the files of install outside SYSCONFDIR; the admin's files there stay
# (harmless once DATADIR is gone: they reach it through .include_if_exists)
MAN_NAMES := $(patsubst doc/%.md,%,$(wildcard doc/*.[1-8].md))
uninstall:
	rm -f "$(DESTDIR)$(LIBDIR)/authalign.so" "$(DESTDIR)$(SBINDIR)/authalign"
	rm -f "$(DESTDIR)$(DATADIR)/exim/main.conf" "$(DESTDIR)$(DATADIR)/exim/rcpt.acl" "$(DESTDIR)$(DATADIR)/exim/bounce" \
	      "$(DESTDIR)$(DATADIR)/profiles"
	for f in $(notdir $(EXAMPLES)); do rm -f "$(DESTDIR)$(DOCDIR)/examples/$$f"; done
	for page in $(MAN_NAMES); do rm -f "$(DESTDIR)$(MANDIR)/man$${page##*.}/$$page"; done
	-rmdir "$(DESTDIR)$(DATADIR)/exim" "$(DESTDIR)$(DATADIR)" "$(DESTDIR)$(DOCDIR)/examples" "$(DESTDIR)$(DOCDIR)" 2>/dev/null
	@echo "uninstall: kept your files under $(EXIMCONFDIR) (authalign.conf, authalign-domains, conf.d/main/05_authalign, conf.d/router/190_authalign_outbound, conf.d/transport/30_exim4-config_*_authalign); reload Exim"

# ---- package: the .deb, built by dpkg-buildpackage in a copy of the tracked
# files (build/package/authalign-VERSION), so this tree and its parent stay
# clean; lintian must find no error and no warning (info tags are shown).
PKG_DIR  := $(BUILD)/package
PKG_SRC  := $(PKG_DIR)/authalign-$(VERSION)
PKG_ARCH  = $(shell dpkg --print-architecture)
package:
	rm -rf $(PKG_DIR) && mkdir -p $(PKG_SRC)
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git ls-files -z | tar --null -T - --ignore-failed-read -cf - | tar -xf - -C $(PKG_SRC); \
	else \
	  tar --exclude=./build --exclude=./build-san -cf - . | tar -xf - -C $(PKG_SRC); \
	fi
	cd $(PKG_SRC) && dpkg-buildpackage -us -uc -b
	lintian -I --fail-on error,warning $(PKG_DIR)/authalign_$(VERSION)_$(PKG_ARCH).changes
	@echo "package: $(PKG_DIR)/exim4-authalign_$(VERSION)_$(PKG_ARCH).deb"

clean:
	rm -rf $(BUILD)

# (not inside build/package or build/fresh: a Debian tree is full of *.d directories)
-include $(shell find $(BUILD) \( -path $(PKG_DIR) -o -path $(BUILD)/fresh \) -prune -o \
	-name '*.d' -type f -print 2>/dev/null)
