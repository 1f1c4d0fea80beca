# SPDX-License-Identifier: GPL-2.0
#
# primetrace: make          build everything for the reference kernel
#             make demo     boot a VM, trace a leaking workload, report
#             make test     host unit tests, then the VM suite on every kernel
#             make bench    overhead and memory ratios, in one run
#             make lint     checkpatch (kmod/, bpf/) and clang-format (C userspace)
#
# All outputs go under build/ (BUILD=...): bin/ (static binaries, also what
# the VM gets on its PATH), bpf/ (objects, skeletons), obj/, kmod/SERIES/,
# tests/ (host unit tests). Kernels and chroots are cached in build/cache
# (CACHE=...), shared by every BUILD.
# V=1 prints the full commands.

KERNEL  ?= 6.1
KERNELS ?= 6.1 6.12 7.3
BUILD   ?= build
CACHE   ?= build/cache
export PRIMETRACE_BUILD := $(abspath $(BUILD))
export PRIMETRACE_CACHE := $(abspath $(CACHE))

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror
INCLUDES := -I$(BUILD)/bpf -Ibpf -Iuserspace -Ikmod -Iconformance/lib
ALL_CFLAGS := $(CFLAGS) $(WARN) $(INCLUDES) -D_GNU_SOURCE \
	$(shell pkg-config --cflags libdrm 2>/dev/null)
LDSTATIC := -static
LIBS_BPF := -lbpf -lelf -lz
LIBS_DRM := -ldrm

# userspace/primetrace.c holds main(); everything else in userspace/ is the
# library that the host unit tests link too.
PT_SRCS   := $(filter-out userspace/primetrace.c,$(wildcard userspace/*.c))
PT_OBJS   := $(patsubst %.c,$(BUILD)/obj/%.o,$(PT_SRCS))
BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.skel.h,$(BPF_SRCS))
IGT_SRCS  := $(wildcard conformance/lib/*.c)
IGT_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(IGT_SRCS))
CONF_BINS := $(patsubst conformance/%.c,$(BUILD)/bin/%,$(wildcard conformance/*.c))
VMT_BINS  := $(patsubst tests/vm/%.c,$(BUILD)/bin/%,$(wildcard tests/vm/*.c))
VMT_SCRIPTS := $(patsubst tests/vm/%,$(BUILD)/bin/%,$(wildcard tests/vm/*.sh))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c))
KMOD_SRCS := $(wildcard kmod/*.c kmod/*.h) kmod/Kbuild

BINS := $(BUILD)/bin/primetrace $(CONF_BINS) $(VMT_BINS) $(VMT_SCRIPTS)

.DELETE_ON_ERROR:
# keep objects and skeletons (intermediate files of the pattern chains)
.SECONDARY:
.PHONY: all deps bpf kernel kernels kmod kmods bins kernels-doc unit test vmtest demo bench lint \
	vmlinux-h clean distclean

all: bins kmod

deps: $(BUILD)/.deps
$(BUILD)/.deps: tools/deps
	$(Q)mkdir -p $(BUILD)
	$(Q)tools/deps
	$(Q)touch $@

bins: $(BINS) $(UNIT_BINS)

# --- kernels and the committed vmlinux.h ------------------------------------
kernel: $(CACHE)/kernel-$(KERNEL)/.done
kernels: $(foreach k,$(KERNELS),$(CACHE)/kernel-$(k)/.done)
$(CACHE)/kernel-%/.done: | $(BUILD)/.deps
	$(call msg,KERNEL,$*)
	$(Q)tools/fetch-kernel $* >/dev/null

# vmlinux.h is committed; 'make vmlinux-h' regenerates it on purpose only
vmlinux-h: $(CACHE)/kernel-6.1/.done
	$(call msg,GEN,vmlinux.h)
	$(Q)tools/gen-vmlinux-h 6.1 >vmlinux.h.tmp && mv vmlinux.h.tmp vmlinux.h

# --- vprime, one build per kernel ------------------------------------------
kmod: $(BUILD)/kmod/$(KERNEL)/vprime.ko
kmods: $(foreach k,$(KERNELS),$(BUILD)/kmod/$(k)/vprime.ko)
$(BUILD)/kmod/%/vprime.ko: $(KMOD_SRCS) $(CACHE)/kernel-%/.done tools/build-kmod
	$(call msg,KMOD,$@)
	$(Q)tools/build-kmod --out $(BUILD)/kmod/$* $* >/dev/null

# --- BPF ---------------------------------------------------------------------
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) vmlinux.h | $(BUILD)/.deps
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_x86 \
		-I. -Ibpf -c $< -o $@
	$(Q)llvm-strip -g $@

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< >$@

# --- userspace ---------------------------------------------------------------
HDRS := $(wildcard bpf/*.h userspace/*.h kmod/*.h conformance/lib/*.h)
# userspace includes the skeletons (named here so that make builds them
# through the .bpf.c -> .bpf.o -> .skel.h chain)
bpf: $(SKELS)
$(PT_OBJS) $(BUILD)/obj/userspace/primetrace.o: $(SKELS)

$(BUILD)/obj/%.o: %.c $(HDRS) | $(BUILD)/.deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/lib/libprimetrace.a: $(PT_OBJS)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/lib/libigt.a: $(IGT_OBJS)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/primetrace: $(BUILD)/obj/userspace/primetrace.o $(BUILD)/lib/libprimetrace.a
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDSTATIC) -o $@ $^ $(LIBS_BPF)

$(BUILD)/bin/%: $(BUILD)/obj/conformance/%.o $(BUILD)/lib/libigt.a
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDSTATIC) -o $@ $^ $(LIBS_DRM)

# VM-side test programs stand alone: libdrm only
$(BUILD)/bin/%: $(BUILD)/obj/tests/vm/%.o
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDSTATIC) -o $@ $^ $(LIBS_DRM)

$(BUILD)/bin/%.sh: tests/vm/%.sh
	$(Q)mkdir -p $(@D)
	$(Q)install -m 755 $< $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/lib/libprimetrace.a
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -o $@ $^ $(LIBS_BPF)

# --- running -----------------------------------------------------------------
unit: $(UNIT_BINS)
	$(Q)tools/run-tests --unit-only

test: bins kmods kernels
	$(Q)tools/run-tests --kernels "$(KERNELS)"

# docs/kernels.md from the last 'make test' (which fails while it is stale)
kernels-doc:
	$(Q)tools/gen-kernels-md $(BUILD)/results "$(KERNELS)" >docs/kernels.md

demo: bins kmod kernel
	$(Q)tools/demo --kernel $(KERNEL)

bench: bins kmod kernel
	$(Q)tools/bench --kernel $(KERNEL)

CHECKPATCH := $(CACHE)/checkpatch/checkpatch.pl
$(CHECKPATCH): | $(BUILD)/.deps
	$(Q)mkdir -p $(@D)
	$(Q)tar -xJf $$(ls /usr/src/linux-source-*.tar.xz | sort -V | tail -n 1) \
		-C $(@D) --strip-components=2 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'

lint: $(CHECKPATCH)
	$(Q)perl $(CHECKPATCH) --no-tree --terse -q \
		-f $(wildcard kmod/*.[ch] bpf/*.[ch])
	$(Q)clang-format --dry-run --Werror $(wildcard userspace/*.[ch] \
		conformance/*.[ch] conformance/lib/*.[ch] tests/unit/*.[ch] tests/vm/*.c)

clean:
	rm -rf $(BUILD)/bin $(BUILD)/obj $(BUILD)/bpf $(BUILD)/lib $(BUILD)/tests $(BUILD)/kmod

distclean:
	rm -rf $(BUILD)
