# bufbench — the one entry point.  `make help` lists the public targets.
#
# Layout of build/ (all generated, git-ignored):
#   build/buf, build/libbufbench.a, build/tests/unit     plain optimized build (gcc -O2)
#   build/asan/...                                        ASan+UBSan build (clang), reports fail
#   build/tsan/...                                        ThreadSanitizer build (clang)

# ---- Variables ----------------------------------------------------------------------
# make's built-in CC is "cc"; the plain build is specified as gcc unless CC is given.
ifeq ($(origin CC),default)
CC        := gcc
endif
SAN_CC    ?= clang
BUILD     := build
# WERROR=1 turns warnings into errors (make test and CI set it).
WERROR    ?=
WARNINGS  := -Wall -Wextra $(if $(WERROR),-Werror)
CSTD      := -std=c11 -D_GNU_SOURCE -Iimpls/include
# Include path by folder: the library's layers see each other's private headers by
# folder ("core/core_assert.h"), and unit tests may reach a layer's *_testing.h; every
# other user (the CLI, tools, fuzz targets, examples) sees impls/include/ alone.
# `make check-layers` checks what each file actually includes.
LIB_DIRS  := impls/core impls/backends impls/codecs impls/model impls/streams
incs_for   = $(if $(filter $(LIB_DIRS:%=%/%) tests/unit/%,$(1)),-Iimpls)
CFLAGS    ?= -O2 -g
# Invariant assertions (impls/core/core_assert.h): off in the plain optimized build that
# the benchmarks time, on (both levels) in the sanitizer, TSan and fuzz builds.
ASSERTS   := -DBUF_ASSERT_LEVEL=2
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,float-cast-overflow \
             -fno-sanitize-recover=all -DBUF_SANITIZE=1 $(ASSERTS)
TSAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=thread -DBUF_TSAN=1 $(ASSERTS)
LDLIBS    := -lpthread -lm
TEST_LIBS := -lcriterion

LIB_SRCS  := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
CLI_SRCS  := $(wildcard impls/cli/*.c)
TEST_SRCS := $(wildcard tests/unit/*.c)
# tests/tools/NAME.c -> build/tests/NAME (and build/asan/tests/NAME): drivers that the
# Node differential harness and other test scripts run (one C file each, linked with the lib).
TOOL_SRCS := $(wildcard tests/tools/*.c)
# Tool objects are built by a pattern rule; keep them (not intermediates) so that a
# second `make` has nothing to rebuild.
.SECONDARY: $(foreach v,$(BUILD) $(BUILD)/asan,$(TOOL_SRCS:%.c=$(v)/obj/%.o))
# The threaded tests (tests/unit/*threads*.c) also build against a small Criterion
# stand-in for ThreadSanitizer, under which Criterion's own runner cannot start.  The
# slab thread cache's tests run there too: it is the one build with invariant assertions
# in which the cache is on (ASan turns it off), so slab's own block counts are checked
# through every hit, miss and refill.
TSAN_TEST_SRCS := $(wildcard tests/unit/*threads*.c) tests/unit/test_backend_front.c tests/unit/test_support.c tests/tsan-shim/runner.c

.DEFAULT_GOAL := all

# ---- Public targets ----------------------------------------------------------------
.PHONY: all test deps help clean build-asan build-tsan check-layers

all: $(BUILD)/buf $(BUILD)/libbufbench.a $(BUILD)/tests/unit $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/%) ## build everything (plain -O2) into build/

test: ## build with -Werror and run every test suite (plain, sanitizers, TSan, Node differential)
	@scripts/deps.sh
	@$(MAKE) --no-print-directory WERROR=1 all build-asan build-tsan
	@scripts/run-tests.sh

deps: ## install missing Debian packages (apt-get; idempotent)
	@scripts/deps.sh

build-asan: $(BUILD)/asan/buf $(BUILD)/asan/tests/unit $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/asan/tests/%) ## the ASan+UBSan build

build-tsan: $(BUILD)/tsan/tests/threads ## the ThreadSanitizer build of the threaded tests

check-layers: all ## check the layer order: includes, exported names, internal calls (make test runs it)
	@scripts/check-layers.sh $(BUILD)

help: ## list the public targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-zA-Z_-]+):.*## (.*)/\1\t\2/' | \
	  awk -F '\t' '{ printf "  make %-19s %s\n", $$1, $$2 }'

clean: ## remove build/
	rm -rf $(BUILD)

# ---- Rules ---------------------------------------------------------------------------
# One set of rules per build variant: $(1)=output dir, $(2)=compiler, $(3)=flags.
# A flags stamp file makes a change of flags (e.g. WERROR) rebuild the variant.
define variant_rules
$(1)/flags.stamp: FORCE
	@mkdir -p $(1); echo '$(2) $(3) $(WARNINGS)' | cmp -s - $$@ || echo '$(2) $(3) $(WARNINGS)' > $$@

$(1)/obj/%.o: %.c $(1)/flags.stamp
	@mkdir -p $$(@D)
	$(2) $(CSTD) $$(call incs_for,$$<) $(3) $(WARNINGS) -MMD -MP -c $$< -o $$@

$(1)/libbufbench.a: $(patsubst %.c,$(1)/obj/%.o,$(LIB_SRCS))
	@rm -f $$@
	ar rcs $$@ $$^

$(1)/buf: $(patsubst %.c,$(1)/obj/%.o,$(CLI_SRCS)) $(1)/libbufbench.a
	$(2) $(3) -o $$@ $$^ $(LDLIBS)

$(1)/tests/unit: $(patsubst %.c,$(1)/obj/%.o,$(TEST_SRCS)) $(1)/libbufbench.a
	@mkdir -p $$(@D)
	$(2) $(3) -o $$@ $$^ $(TEST_LIBS) $(LDLIBS)

$(1)/tests/%: $(1)/obj/tests/tools/%.o $(1)/libbufbench.a
	@mkdir -p $$(@D)
	$(2) $(3) -o $$@ $$^ $(LDLIBS)

-include $(patsubst %.c,$(1)/obj/%.d,$(LIB_SRCS) $(CLI_SRCS) $(TEST_SRCS) $(TOOL_SRCS))
endef

$(eval $(call variant_rules,$(BUILD),$(CC),$(CFLAGS)))
$(eval $(call variant_rules,$(BUILD)/asan,$(SAN_CC),$(SAN_FLAGS)))
$(eval $(call variant_rules,$(BUILD)/tsan,$(SAN_CC),$(TSAN_FLAGS) -Itests/tsan-shim))

$(BUILD)/tsan/tests/threads: $(patsubst %.c,$(BUILD)/tsan/obj/%.o,$(TSAN_TEST_SRCS)) $(BUILD)/tsan/libbufbench.a
	@mkdir -p $(@D)
	$(SAN_CC) $(TSAN_FLAGS) -o $@ $^ $(LDLIBS)

.PHONY: FORCE
FORCE:

# ---- Fuzzing ------------------------------------------------------------------------
# fuzz-section: the fuzz build and campaign targets go below this line.
#
# A fuzz target is a file fuzz/NAME.c with a line starting `int LLVMFuzzerTestOneInput`
# (the drivers and helpers only declare or call it, so they never match); `make -s
# fuzz-list` prints them, and every script asks it instead of looking for itself.  Every
# other fuzz/*.c except the two drivers is support code linked into every target
# (helpers, backend selector, reference codec).  Each build variant compiles the library
# sources (impls/{core,backends,codecs,model}/*.c, not the CLI) itself with its own flags:
#   build/fuzz/libfuzzer/T        clang -fsanitize=fuzzer + DESIGN.md's sanitizers
#   build/fuzz/libfuzzer-plain/T  libFuzzer + UBSan without ASan: slab and pool pack their
#                                 blocks as in production (no red zones), so a size class
#                                 one byte short shows as overlapping neighbours
#   build/fuzz/afl/T              afl-clang-fast, persistent shared-memory mode (AFL++ main)
#   build/fuzz/afl-asan/T         the same with the sanitizers (an AFL++ secondary)
#   build/fuzz/afl-cmplog/T       AFL_LLVM_CMPLOG build for `afl-fuzz -c` (input-to-state)
#   build/fuzz/replay/T           plain main over files/dirs, no sanitizer (make test's
#                                 corpus replay, and valgrind)
#   build/fuzz/replay-asan/T      the same with the sanitizers (make test's corpus replay)
#   build/fuzz/coverage/T         -fprofile-instr-generate -fcoverage-mapping (llvm-cov)
FUZZ_BUILD        := $(BUILD)/fuzz
FUZZ_TARGET_SRCS  := $(sort $(shell grep -l '^int LLVMFuzzerTestOneInput' fuzz/*.c 2>/dev/null))
FUZZ_TARGETS      := $(FUZZ_TARGET_SRCS:fuzz/%.c=%)
FUZZ_DRIVER_SRCS  := fuzz/afl_driver.c fuzz/replay_driver.c
FUZZ_SUPPORT_SRCS := $(filter-out $(FUZZ_TARGET_SRCS) $(FUZZ_DRIVER_SRCS),$(wildcard fuzz/*.c))
FUZZ_CC           ?= clang
AFL_CC            ?= afl-clang-fast
FUZZ_DEFS         := -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -Ifuzz $(ASSERTS)
FUZZ_UBSAN        := -fsanitize=undefined,float-cast-overflow -fno-sanitize-recover=all
FUZZ_SAN          := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -DBUF_SANITIZE=1
FUZZ_VARIANTS     := libfuzzer libfuzzer-plain afl afl-asan afl-cmplog replay replay-asan coverage
FUZZ_REPLAY_VARIANTS := replay replay-asan
# Targets that `make fuzz` also runs in the libfuzzer-plain build: those whose oracle is
# where blocks lie (ASan's red zones hide a neighbour one byte too close).
FUZZ_PLAIN_TARGETS ?= backend_ops
# Campaign knobs: make fuzz TARGET=x SECONDS=n; make fuzz-overnight HOURS=8 (or MINUTES=n)
TARGET  ?=
SECONDS ?= 60
HOURS   ?= 8
MINUTES ?=
MERGE   ?= 0

.PHONY: fuzz fuzz-overnight fuzz-replay fuzz-coverage fuzz-triage fuzz-build fuzz-replay-build fuzz-list fuzz-sources

fuzz: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/libfuzzer/%) $(FUZZ_PLAIN_TARGETS:%=$(FUZZ_BUILD)/libfuzzer-plain/%) ## run each fuzz target briefly with libFuzzer (TARGET=x SECONDS=n) and summarize
	@FUZZ_SECONDS=$(SECONDS) FUZZ_PLAIN_TARGETS="$(FUZZ_PLAIN_TARGETS)" scripts/fuzz-run.sh $(TARGET)

fuzz-overnight: fuzz-build ## unattended AFL++ and libFuzzer campaign (HOURS=8 or MINUTES=n, MERGE=1), then triage and coverage
	@FUZZ_HOURS=$(HOURS) FUZZ_MINUTES=$(MINUTES) FUZZ_MERGE=$(MERGE) scripts/fuzz-overnight.sh $(TARGET)

fuzz-replay: fuzz-replay-build ## replay corpus/ through every fuzz target, once per backend, plain and ASan+UBSan
	@scripts/fuzz-replay.sh

fuzz-coverage: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/coverage/%) ## line coverage of the library from the committed corpus (llvm-cov HTML and summary)
	@scripts/fuzz-coverage.sh

fuzz-triage: fuzz-replay-build ## bucket and minimize a campaign's crashes (DIR=build/fuzz/campaign)
	@scripts/fuzz-triage.sh $(DIR)

fuzz-build: $(foreach v,$(FUZZ_VARIANTS),$(FUZZ_TARGETS:%=$(FUZZ_BUILD)/$(v)/%)) ## build every fuzz target in every variant into build/fuzz/

fuzz-replay-build: $(foreach v,$(FUZZ_REPLAY_VARIANTS),$(FUZZ_TARGETS:%=$(FUZZ_BUILD)/$(v)/%)) ## build the replay programs make test runs over corpus/

fuzz-list: ## list the fuzz targets, one per line
	@printf '%s\n' $(FUZZ_TARGETS)

fuzz-sources: ## list what every fuzz target links besides its own file: library and fuzz support sources
	@printf '%s\n' $(LIB_SRCS) $(FUZZ_SUPPORT_SRCS)

# One set of rules per fuzz variant: $(1)=name, $(2)=compiler command, $(3)=compile
# flags, $(4)=extra link flags, $(5)=driver source (empty: libFuzzer's own main).
define fuzz_variant_rules
$(FUZZ_BUILD)/$(1)/flags.stamp: FORCE
	@mkdir -p $$(@D); echo '$(2) $(3) $(4) $(WARNINGS)' | cmp -s - $$@ || echo '$(2) $(3) $(4) $(WARNINGS)' > $$@

$(FUZZ_BUILD)/$(1)/obj/%.o: %.c $(FUZZ_BUILD)/$(1)/flags.stamp
	@mkdir -p $$(@D)
	$(2) $(CSTD) $$(call incs_for,$$<) $(FUZZ_DEFS) $(3) $(WARNINGS) -MMD -MP -c $$< -o $$@

$(FUZZ_TARGETS:%=$(FUZZ_BUILD)/$(1)/%): $(FUZZ_BUILD)/$(1)/%: $(FUZZ_BUILD)/$(1)/obj/fuzz/%.o \
		$(patsubst %.c,$(FUZZ_BUILD)/$(1)/obj/%.o,$(FUZZ_SUPPORT_SRCS) $(LIB_SRCS) $(5))
	$(2) $(3) $(4) -o $$@ $$^ $(LDLIBS)

-include $(patsubst %.c,$(FUZZ_BUILD)/$(1)/obj/%.d,$(FUZZ_TARGET_SRCS) $(FUZZ_SUPPORT_SRCS) $(LIB_SRCS) $(5))
endef

FUZZ_OPT := -O1 -g -fno-omit-frame-pointer
$(eval $(call fuzz_variant_rules,libfuzzer,$(FUZZ_CC),$(FUZZ_OPT) $(FUZZ_SAN) -fsanitize=fuzzer-no-link,-fsanitize=fuzzer,))
$(eval $(call fuzz_variant_rules,libfuzzer-plain,$(FUZZ_CC),$(FUZZ_OPT) $(FUZZ_UBSAN) -fsanitize=fuzzer-no-link,-fsanitize=fuzzer,))
$(eval $(call fuzz_variant_rules,afl,AFL_QUIET=1 $(AFL_CC),-O2 -g,,fuzz/afl_driver.c))
$(eval $(call fuzz_variant_rules,afl-asan,AFL_QUIET=1 $(AFL_CC),$(FUZZ_OPT) $(FUZZ_SAN),,fuzz/afl_driver.c))
$(eval $(call fuzz_variant_rules,afl-cmplog,AFL_QUIET=1 AFL_LLVM_CMPLOG=1 $(AFL_CC),-O2 -g,,fuzz/afl_driver.c))
# DWARF 4: valgrind 3.19 (Debian 12) cannot read clang 14's default DWARF 5.
$(eval $(call fuzz_variant_rules,replay,$(FUZZ_CC),$(FUZZ_OPT) -gdwarf-4,,fuzz/replay_driver.c))
$(eval $(call fuzz_variant_rules,replay-asan,$(FUZZ_CC),$(FUZZ_OPT) $(FUZZ_SAN),,fuzz/replay_driver.c))
$(eval $(call fuzz_variant_rules,coverage,$(FUZZ_CC),-O0 -g -fprofile-instr-generate -fcoverage-mapping,,fuzz/replay_driver.c))

# ---- Benchmarks -----------------------------------------------------------------------
# bench-section: the benchmark suite (DESIGN.md "Interfaces"; README "Benchmarks").
#
# build/bench/bufbench-bench: the C families (bench/family_*.c, a user of the library:
# impls/include/ only), bench/main.c and the C++ shim over Google Benchmark
# (bench/*.cc), linked with g++ against the plain build's libbufbench.a (assertions
# off: the build the benchmarks time).  main.c registers the families whose files exist
# (-DBENCH_HAVE_<NAME> for each bench/family_<name>.c).  scripts/bench-run.sh runs it,
# the Node rows and the LD_PRELOAD allocators into reports/runs/<UTC time>/.
CXX         ?= g++
BENCH_CXX   := $(if $(filter default,$(origin CXX)),g++,$(CXX))
BENCH_BUILD := $(BUILD)/bench
BENCH_BIN   := $(BENCH_BUILD)/bufbench-bench
BENCH_C_SRCS   := $(wildcard bench/*.c)
BENCH_CXX_SRCS := $(wildcard bench/*.cc)
BENCH_FAMILIES := $(sort $(patsubst bench/family_%.c,%,$(wildcard bench/family_*.c)))
BENCH_HAVE     := $(foreach f,$(BENCH_FAMILIES),-DBENCH_HAVE_$(shell echo $(f) | tr a-z A-Z))
BENCH_CXXFLAGS := -std=c++17 -O2 -g -Iimpls/include $(WARNINGS)
BENCH_LIBS     := -lbenchmark -lpthread -lm
# Knobs: make bench FILTER=regex; BENCH_ARGS are passed on to scripts/bench-run.sh.
FILTER     ?=
BENCH_ARGS ?=

.PHONY: bench bench-quick bench-callgrind bench-build

bench: bench-build ## run the full benchmark suite (C, Node, malloc@... rows) into reports/runs/<time>/ and report on it (FILTER=regex)
	@FILTER='$(value FILTER)' scripts/bench-run.sh --full $(BENCH_ARGS)
	@scripts/report

bench-quick: bench-build ## the reduced grid, every family and base backend, 9 interleaved repetitions (<= 3 min)
	@FILTER='$(value FILTER)' scripts/bench-run.sh --quick $(BENCH_ARGS)

bench-callgrind: bench-build ## the quick suite under callgrind: instructions per benchmark, same JSON shape
	@FILTER='$(value FILTER)' scripts/bench-run.sh --callgrind $(BENCH_ARGS)

bench-build: $(BENCH_BIN) $(BUILD)/buf ## build build/bench/bufbench-bench (plain -O2, WERROR=1 for -Werror)

# A change in the set of families recompiles main.c (which calls each one it is told of).
$(BENCH_BUILD)/families.stamp: FORCE
	@mkdir -p $(@D); echo '$(BENCH_HAVE)' | cmp -s - $@ || echo '$(BENCH_HAVE)' > $@

$(BUILD)/obj/bench/main.o: bench/main.c $(BUILD)/flags.stamp $(BENCH_BUILD)/families.stamp
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(BENCH_HAVE) $(CFLAGS) $(WARNINGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/bench/%.o: bench/%.cc $(BUILD)/flags.stamp
	@mkdir -p $(@D)
	$(BENCH_CXX) $(BENCH_CXXFLAGS) -MMD -MP -c $< -o $@

$(BENCH_BIN): $(patsubst %.c,$(BUILD)/obj/%.o,$(BENCH_C_SRCS)) $(patsubst %.cc,$(BUILD)/obj/%.o,$(BENCH_CXX_SRCS)) $(BUILD)/libbufbench.a
	@mkdir -p $(@D)
	$(BENCH_CXX) -O2 -g -o $@ $^ $(BENCH_LIBS)

-include $(patsubst %.c,$(BUILD)/obj/%.d,$(BENCH_C_SRCS)) $(patsubst %.cc,$(BUILD)/obj/%.d,$(BENCH_CXX_SRCS))

# ---- Comparing runs ---------------------------------------------------------------------
# compare-section: baseline comparison (README "Comparing runs").  scripts/compare reads two
# results.json files and prints Markdown; exit 1 on a regression, 2 on bad input.
# scripts/bench-ab builds two revisions in throwaway worktrees and compares them.
BASE         ?=
NEW          ?=
COMPARE_ARGS ?=
BASE_REV     ?=
HEAD_REV     ?= HEAD
AB_ARGS      ?=

.PHONY: compare bench-ab

compare: ## compare two runs: make compare BASE=a/results.json NEW=b/results.json [COMPARE_ARGS='--chart DIR']
	@test -n '$(BASE)' -a -n '$(NEW)' || { echo 'make compare: give BASE=... NEW=... (results.json files; scripts/compare --help)' >&2; exit 2; }
	@scripts/compare $(COMPARE_ARGS) '$(BASE)' '$(NEW)'

bench-ab: ## benchmark two revisions alternately and compare: make bench-ab BASE_REV=main [HEAD_REV=HEAD FILTER=regex AB_ARGS='--callgrind']
	@test -n '$(BASE_REV)' || { echo 'make bench-ab: give BASE_REV=<git revision> (scripts/bench-ab --help)' >&2; exit 2; }
	@FILTER='$(value FILTER)' scripts/bench-ab $(AB_ARGS) '$(BASE_REV)' '$(HEAD_REV)'

# ---- Reports ------------------------------------------------------------------------------
# report-section: scripts/report turns a run folder's results.json into report.md, a
# self-contained report.html and charts/ (gnuplot PNG + SVG) in that folder; `make bench`
# runs it last.  scripts/report-check-html opens the page in headless Chromium (README "Reports").
RUN ?=
REPORT_RUN = $(or $(RUN),$(patsubst %/,%,$(lastword $(sort $(dir $(wildcard reports/runs/*/results.json))))))

.PHONY: report report-check

report: ## write report.md, report.html, charts/ into a run folder (RUN=reports/runs/<time>; default: the newest)
	@scripts/report $(RUN)

report-check: ## open the run's report.html in headless Chromium: every chart loads; keeps a screenshot (RUN=...)
	@test -n "$(REPORT_RUN)" || { echo "report-check: no finished run under reports/runs/: make bench first" >&2; exit 1; }
	@scripts/report-check-html $(REPORT_RUN)/report.html

# ---- Continuous integration -------------------------------------------------------------
# ci-section: what .github/workflows/ runs on GitHub, and the local checks of those files
# (README "Continuous integration").  make test runs both checks as stages.
.PHONY: check-ci check-fuzz-build

check-ci: ## lint the workflows and fuzz-service files; every script and make target they call exists
	@scripts/check-ci.py

check-fuzz-build: ## fuzz/build.sh's OSS-Fuzz contract with libFuzzer's and AFL++'s flags (ENGINES="libfuzzer afl")
	@scripts/check-fuzz-build.sh $(ENGINES)
