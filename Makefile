# bufbench — the one entry point.  `make help` lists the public targets.
#
# Layout of build/ (all generated, git-ignored):
#   build/buf, build/libbufbench.a, build/tests/unit     plain optimized build (gcc -O2)
#   build/asan/...                                        ASan+UBSan build (clang), reports fail
#   build/tsan/...                                        ThreadSanitizer build (clang)

# ---- Variables ----------------------------------------------------------------------
CC        ?= gcc
SAN_CC    ?= clang
BUILD     := build
# WERROR=1 turns warnings into errors (make test and CI set it).
WERROR    ?=
WARNINGS  := -Wall -Wextra $(if $(WERROR),-Werror)
CSTD      := -std=c11 -D_GNU_SOURCE -Iimpls
CFLAGS    ?= -O2 -g
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,float-cast-overflow \
             -fno-sanitize-recover=all -DBUF_SANITIZE=1
TSAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=thread -DBUF_TSAN=1
LDLIBS    := -lpthread -lm
TEST_LIBS := -lcriterion

LIB_SRCS  := $(wildcard impls/*.c)
CLI_SRCS  := $(wildcard impls/cli/*.c)
TEST_SRCS := $(wildcard tests/unit/*.c)
# tests/tools/NAME.c -> build/tests/NAME (and build/asan/tests/NAME): drivers that the
# Node differential harness and other test scripts run (one C file each, linked with the lib).
TOOL_SRCS := $(wildcard tests/tools/*.c)
HEADERS   := $(wildcard impls/*.h tests/unit/*.h)

.DEFAULT_GOAL := all

# ---- Public targets ----------------------------------------------------------------
.PHONY: all test deps help clean build-asan build-tsan

all: $(BUILD)/buf $(BUILD)/libbufbench.a $(BUILD)/tests/unit $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/%) ## build everything (plain -O2) into build/

test: ## build with -Werror and run every test suite (plain, sanitizers, TSan, Node differential)
	@scripts/deps.sh
	@$(MAKE) --no-print-directory WERROR=1 all build-asan build-tsan
	@scripts/run-tests.sh

deps: ## install missing Debian packages (apt-get; idempotent)
	@scripts/deps.sh

build-asan: $(BUILD)/asan/buf $(BUILD)/asan/tests/unit $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/asan/tests/%) ## the ASan+UBSan build

build-tsan: $(BUILD)/tsan/tests/unit ## the ThreadSanitizer build of the threaded tests

help: ## list the public targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-zA-Z_-]+):.*## /  make \1\t/' | expand -t 24

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
	$(2) $(CSTD) $(3) $(WARNINGS) -MMD -MP -c $$< -o $$@

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
$(eval $(call variant_rules,$(BUILD)/tsan,$(SAN_CC),$(TSAN_FLAGS)))

.PHONY: FORCE
FORCE:

# ---- Fuzzing (issue 5) ----------------------------------------------------------------
# fuzz-section: the fuzz build and campaign targets go below this line.
