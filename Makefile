# SPDX-License-Identifier: GPL-2.0
#
# primetrace: make          build everything for the reference kernel
#             make demo     boot a VM, trace a leaking workload, report
#             make test     host unit tests, then the VM suite on every kernel,
#                           then the host tests under ASan and UBSan, and each
#                           fuzzer for FUZZ_SECONDS (60)
#             make bench    overhead and memory against bpftrace peers, in one run
#             make lint     checkpatch (kmod/, bpf/) and clang-format (C userspace)
#             make san      primetrace and the unit tests under ASan and UBSan
#             make fuzz     every fuzzer of tests/fuzz for FUZZ_SECONDS (600) each
#             make install  primetrace, the conformance suite, man pages,
#                           completion and docs under DESTDIR/PREFIX
#                           (install-dkms: vprime's DKMS source; uninstall)
#             make deb      the Debian packages primetrace and vprime-dkms
#
# All outputs go under build/ (BUILD=...): bin/ (static binaries, also what
# the VM gets on its PATH), bpf/ (objects, skeletons), obj/, kmod/SERIES/,
# tests/ (host unit tests), san/ (the sanitizer build), fuzz/ (the fuzzers,
# their working corpora and findings). Kernels and chroots are cached in
# build/cache (CACHE=...), shared by every BUILD.
# CC, CFLAGS and LDFLAGS are the user's; LDFLAGS is added to every link.
# SAN=1 builds with clang, AddressSanitizer and UBSan, dynamically linked,
# into build/san ('make san' is the same next to the normal build); FUZZ=1
# adds libFuzzer's coverage and builds tests/fuzz/fuzz_*.c into build/fuzz.
# A -fsanitize in CFLAGS or LDFLAGS also turns static linking off.
# V=1 prints the full commands. STATIC=0 links the binaries dynamically
# (what the Debian package does).

KERNEL  ?= 6.1
KERNELS ?= 6.1 6.12 7.3

SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
ifeq ($(FUZZ),1)
override SAN := 1
BUILD   ?= build/fuzz
SAN_CFLAGS  := $(SANITIZE) -fsanitize=fuzzer-no-link
else ifeq ($(SAN),1)
BUILD   ?= build/san
SAN_CFLAGS  := $(SANITIZE)
endif
SAN_LDFLAGS := $(SAN_CFLAGS)
BUILD   ?= build
CACHE   ?= build/cache
export PRIMETRACE_BUILD := $(abspath $(BUILD))
export PRIMETRACE_CACHE := $(abspath $(CACHE))

# the one version of primetrace, vprime's DKMS package and the Debian packages
VERSION := $(shell cat VERSION)
# the checkout it was built from; a tree without git (a tarball) says so
GIT     ?= git
GIT_DESC := $(or $(shell $(GIT) describe --always --dirty --tags 2>/dev/null),not a git checkout)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CLANG   ?= clang
ifeq ($(origin CC),default)
CC      := $(if $(filter 1,$(SAN)),$(CLANG),gcc)
endif
BPFTOOL ?= bpftool
CFLAGS  ?= -O2 -g
LDFLAGS ?=
WARN    := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror
# BPF objects and skeletons: the sanitizer builds share the normal build's
BPF_OUT ?= $(BUILD)/bpf
# userspace/: one folder per layer (README, "Layout"), each on the include path
PT_LAYERS := lib record source model cmd
INCLUDES := -I$(BPF_OUT) -Ibpf $(addprefix -Iuserspace/,$(PT_LAYERS)) -Ikmod -Iconformance/lib -Itests/vm/lib
ALL_CFLAGS := $(CFLAGS) $(SAN_CFLAGS) $(WARN) $(INCLUDES) -D_GNU_SOURCE \
	$(shell pkg-config --cflags libdrm 2>/dev/null)
# static, so that the VM needs no libraries; the sanitizer runtimes are not
STATIC  ?= 1
LDSTATIC := $(if $(filter 1,$(SAN))$(filter-out 1,$(STATIC))$(findstring -fsanitize,$(CFLAGS) \
	$(LDFLAGS)),,-static)
LINK := $(SAN_LDFLAGS) $(LDFLAGS)
# what libprimetrace needs: libbpf, and libdw for user stacks (statically
# linked, libdw needs the decompressors of debug files: bzip2, xz)
LIBS_PT := -ldw -lbpf -lelf -lz $(if $(LDSTATIC),-lbz2 -llzma -pthread)
LIBS_DRM := -ldrm

# userspace/main.c holds main(); the layers below it are the library that
# the host unit tests and the fuzzers link too.
PT_SRCS   := $(foreach l,$(PT_LAYERS),$(wildcard userspace/$(l)/*.c))
PT_OBJS   := $(patsubst %.c,$(BUILD)/obj/%.o,$(PT_SRCS))
BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BPF_OUT)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BPF_OUT)/%.skel.h,$(BPF_SRCS))
IGT_SRCS  := $(wildcard conformance/lib/*.c)
IGT_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(IGT_SRCS))
CONF_BINS := $(patsubst conformance/%.c,$(BUILD)/bin/%,$(wildcard conformance/*.c))
VMT_BINS  := $(patsubst tests/vm/%.c,$(BUILD)/bin/%,$(wildcard tests/vm/*.c))
VMT_SCRIPTS := $(patsubst tests/vm/%,$(BUILD)/bin/%,$(wildcard tests/vm/*.sh))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*.c))
KMOD_SRCS := $(wildcard kmod/*.c kmod/*.h) kmod/Kbuild
# each tests/fuzz/fuzz_NAME.c is a fuzzer (LLVMFuzzerTestOneInput); any other
# .c there is linked into every fuzzer
FUZZ_DIR  ?= tests/fuzz
FUZZ_SRCS := $(wildcard $(FUZZ_DIR)/fuzz_*.c)
FUZZ_BINS := $(patsubst $(FUZZ_DIR)/%.c,$(BUILD)/bin/%,$(FUZZ_SRCS))
FUZZ_LIB  := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out $(FUZZ_SRCS),$(wildcard $(FUZZ_DIR)/*.c)))

BINS := $(BUILD)/bin/primetrace $(CONF_BINS) $(VMT_BINS) $(VMT_SCRIPTS)

.DELETE_ON_ERROR:
# keep objects and skeletons (intermediate files of the pattern chains)
.SECONDARY:
.PHONY: all deps bpf kernel kernels kmod kmods bins kernels-doc unit test vmtest demo bench lint \
	vmlinux-h clean distclean san fuzzers fuzz programs install install-dkms uninstall deb FORCE

ifeq ($(SAN),1)
# the sanitizer builds: what runs on the host, nothing for the VM
ifeq ($(FUZZ),1)
all: $(FUZZ_BINS)
else
all: $(BUILD)/bin/primetrace $(UNIT_BINS)
endif
san fuzzers: all
else
all: bins kmod

# next to this build: BUILD/san and BUILD/fuzz, with this build's skeletons
# (CC, CFLAGS and LDFLAGS from the command line go along)
san: bpf
	$(Q)$(MAKE) --no-print-directory SAN=1 BUILD=$(BUILD)/san BPF_OUT=$(BPF_OUT) all
fuzzers: bpf
	$(Q)$(MAKE) --no-print-directory FUZZ=1 BUILD=$(BUILD)/fuzz BPF_OUT=$(BPF_OUT) all

# FUZZ_SECONDS each, from the seeds of tests/fuzz/corpus/NAME and the
# working corpus of BUILD/fuzz/corpus/NAME; fails on a finding, printing it
fuzz: fuzzers
	$(Q)tools/fuzz --build $(BUILD)/fuzz --seconds $(or $(FUZZ_SECONDS),600)
endif

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
$(BPF_OUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) vmlinux.h | $(BUILD)/.deps
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_x86 $(BPF_CFLAGS) \
		-I. -Ibpf -c $< -o $@
	$(Q)llvm-strip -g $@

$(BPF_OUT)/%.skel.h: $(BPF_OUT)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< >$@

# --- userspace ---------------------------------------------------------------
HDRS := $(wildcard bpf/*.h userspace/*/*.h kmod/*.h conformance/lib/*.h)
# userspace includes the skeletons (named here so that make builds them
# through the .bpf.c -> .bpf.o -> .skel.h chain)
bpf: $(SKELS)
$(PT_OBJS) $(BUILD)/obj/userspace/main.o: $(SKELS)

$(BUILD)/obj/%.o: %.c $(HDRS) | $(BUILD)/.deps
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# the version and the git description main.c prints, rewritten only when
# they change (so that a commit relinks primetrace and nothing else)
$(BUILD)/gen/version.h: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)printf '#define PT_VERSION "%s"\n#define PT_GIT_DESC "%s"\n' \
		'$(VERSION)' '$(subst ','',$(GIT_DESC))' >$@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/obj/userspace/main.o: $(BUILD)/gen/version.h
$(BUILD)/obj/userspace/main.o: ALL_CFLAGS += -I$(BUILD)/gen

$(BUILD)/lib/libprimetrace.a: $(PT_OBJS)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/lib/libigt.a: $(IGT_OBJS)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/primetrace: $(BUILD)/obj/userspace/main.o $(BUILD)/lib/libprimetrace.a
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDSTATIC) $(LINK) -o $@ $^ $(LIBS_PT)

# vprime's debugfs parser (userspace/lib/vprime_truth.c) is shared by primetrace,
# the conformance tests and the VM test programs
VT_OBJ := $(BUILD)/obj/userspace/lib/vprime_truth.o

$(BUILD)/bin/%: $(BUILD)/obj/conformance/%.o $(BUILD)/lib/libigt.a $(VT_OBJ)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDSTATIC) $(LINK) -o $@ $^ $(LIBS_DRM)

# VM-side test programs stand alone: libdrm, the debugfs parser and the
# DRM and vprime calls they share (tests/vm/lib)
VP_OBJ := $(BUILD)/obj/tests/vm/lib/vp_ioctl.o

$(BUILD)/bin/%: $(BUILD)/obj/tests/vm/%.o $(VT_OBJ) $(VP_OBJ)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDSTATIC) $(LINK) -o $@ $^ $(LIBS_DRM)

$(BUILD)/bin/%.sh: tests/vm/%.sh
	$(Q)mkdir -p $(@D)
	$(Q)install -m 755 $< $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/lib/libprimetrace.a
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LINK) -o $@ $^ $(LIBS_PT)

$(FUZZ_BINS): $(BUILD)/bin/%: $(BUILD)/obj/$(FUZZ_DIR)/%.o $(FUZZ_LIB) $(BUILD)/lib/libprimetrace.a
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LINK) -fsanitize=fuzzer -o $@ $^ $(LIBS_PT)

# --- installing ----------------------------------------------------------------
# make install [PREFIX=/usr/local] [DESTDIR=]: primetrace in sbin; the
# conformance suite in LIBEXECDIR with IGT's test-list.txt, so that
# 'igt_runner LIBEXECDIR RESULTS' runs it as it is; the man pages, the bash
# completion and the docs. make install-dkms: vprime's source where DKMS
# looks for it (/usr/src/vprime-VERSION with PREFIX=/usr). install builds
# what it installs when it is missing or stale ('make programs').
PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
LIBEXECDIR  ?= $(PREFIX)/libexec/primetrace
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/primetrace
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR     ?= $(PREFIX)/lib/systemd/system
DKMSDIR     ?= $(PREFIX)/src/vprime-$(VERSION)
# the suite igt_runner runs: every conformance test but the harness's self-test
CONF_SUITE  := $(filter-out $(BUILD)/bin/harness_selftest,$(CONF_BINS))
MAN_PAGES   := $(wildcard docs/man/*.[0-9])
DOCS        := README.md $(wildcard docs/*.md)
# the JSON Schemas of every -j output (docs/tracing.md, "Stability")
SCHEMAS     := $(wildcard docs/schema/*.json)
# the systemd unit of 'primetrace monitor', once that command ships it
UNIT        := $(wildcard packaging/primetrace.service)
INSTALL     ?= install

# what make install installs: primetrace and the conformance suite
programs: $(BUILD)/bin/primetrace $(CONF_SUITE)

install: programs
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(sort $(foreach m,$(MAN_PAGES),\
		$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))))
	$(INSTALL) -m 755 $(BUILD)/bin/primetrace $(DESTDIR)$(SBINDIR)/primetrace
	$(INSTALL) -m 755 $(CONF_SUITE) $(DESTDIR)$(LIBEXECDIR)/
	{ echo TESTLIST; echo $(notdir $(CONF_SUITE)); echo END TESTLIST; } \
		>$(DESTDIR)$(LIBEXECDIR)/test-list.txt
	chmod 644 $(DESTDIR)$(LIBEXECDIR)/test-list.txt
	$(foreach m,$(MAN_PAGES),sed -e "s|@VERSION@|$(VERSION)|" -e "s|@LIBEXECDIR@|$(LIBEXECDIR)|" $(m) \
		>$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)) &&) true
	$(INSTALL) -m 644 packaging/completion.bash $(DESTDIR)$(BASHCOMPDIR)/primetrace
	$(INSTALL) -m 644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -d $(DESTDIR)$(DOCDIR)/schema
	$(INSTALL) -m 644 $(SCHEMAS) $(DESTDIR)$(DOCDIR)/schema/
ifneq ($(UNIT),)
	$(INSTALL) -d $(DESTDIR)$(UNITDIR)
	$(INSTALL) -m 644 $(UNIT) $(DESTDIR)$(UNITDIR)/
endif

install-dkms:
	$(INSTALL) -d $(DESTDIR)$(DKMSDIR)
	$(INSTALL) -m 644 kmod/Kbuild kmod/Makefile $(wildcard kmod/*.c kmod/*.h) $(DESTDIR)$(DKMSDIR)/
	sed 's/#MODULE_VERSION#/$(VERSION)/' kmod/dkms.conf >$(DESTDIR)$(DKMSDIR)/dkms.conf
	chmod 644 $(DESTDIR)$(DKMSDIR)/dkms.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/primetrace $(DESTDIR)$(BASHCOMPDIR)/primetrace
	rm -f $(addprefix $(DESTDIR)$(LIBEXECDIR)/,$(notdir $(CONF_SUITE)) test-list.txt)
	rm -f $(foreach m,$(MAN_PAGES),\
		$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS)))
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/schema/,$(notdir $(SCHEMAS)))
	rmdir $(DESTDIR)$(DOCDIR)/schema 2>/dev/null || true
	rm -f $(DESTDIR)$(UNITDIR)/primetrace.service
	rm -rf $(DESTDIR)$(DKMSDIR)
	rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# make deb: the packages primetrace and vprime-dkms in BUILD/deb, built by
# dpkg-buildpackage from a copy of this tree (packaging/debian as its
# debian/, the changelog written for VERSION), then checked by lintian,
# which fails the build on an error. Needs the Build-Depends of
# packaging/debian/control ('make deps' installs them).
DEB_DIR := $(BUILD)/deb
DEB_SRC := $(DEB_DIR)/primetrace-$(VERSION)
deb: | $(BUILD)/.deps
	$(call msg,DEB,$(DEB_DIR))
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_SRC)
	$(Q)tar -c --exclude=./build --exclude=./.git --exclude='./build-*' . | tar -x -C $(DEB_SRC)
	$(Q)cp -r packaging/debian $(DEB_SRC)/debian
	$(Q)printf '%s (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n' \
		primetrace $(VERSION) $(VERSION) \
		"$$(sed -n 's/^Maintainer: //p' packaging/debian/control)" \
		"$$(date -R -d @$$($(GIT) log -1 --format=%ct 2>/dev/null || date +%s))" \
		>$(DEB_SRC)/debian/changelog
	$(Q)cd $(DEB_SRC) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		dpkg-buildpackage -b -us -uc >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; echo "deb: dpkg-buildpackage failed; see $(DEB_DIR)/build.log"; exit 1; }
	$(Q)lintian --fail-on error $(DEB_DIR)/primetrace_$(VERSION)_*.changes \
		>$(DEB_DIR)/lintian.txt 2>&1 || \
		{ cat $(DEB_DIR)/lintian.txt; echo "deb: lintian reports errors"; exit 1; }
	$(Q)cat $(DEB_DIR)/lintian.txt
	$(Q)ls $(DEB_DIR)/*.deb

# --- running -----------------------------------------------------------------
unit: $(UNIT_BINS)
	$(Q)tools/run-tests --unit-only

test: bins kmods kernels san fuzzers
	$(Q)tools/run-tests --kernels "$(KERNELS)" --fuzz-seconds $(or $(FUZZ_SECONDS),60)

# docs/kernels.md from the last 'make test' (which fails while it is stale)
kernels-doc:
	$(Q)tools/gen-kernels-md $(BUILD)/results "$(KERNELS)" >docs/kernels.md

demo: bins kmod kernel
	$(Q)tools/demo --kernel $(KERNEL)

# vprime_fuzz (tests/vm/vprime_fuzz.c) in one VM of the reference kernel,
# for SECONDS (600); a fresh seed, printed for replay, and a splat fails it
.PHONY: fuzz-kmod
fuzz-kmod: bins kmod kernel
	$(Q)tools/vmtest --kernel $(KERNEL) --timeout $$(( $(or $(SECONDS),600) + 180 )) \
		-- vprime_fuzz --seconds $(or $(SECONDS),600)

bench: bins kmod kernel
	$(Q)tools/bench --kernel $(KERNEL)

CHECKPATCH := $(CACHE)/checkpatch/checkpatch.pl
$(CHECKPATCH): | $(BUILD)/.deps
	$(Q)mkdir -p $(@D)
	$(Q)tar -xJf $$(ls /usr/src/linux-source-*.tar.xz | sort -V | tail -n 1) \
		-C $(@D) --strip-components=2 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'

# the BPF programs' settings are 'const volatile' (.rodata, set before load),
# as libbpf expects: checkpatch's volatile warning is for kernel code only
lint: $(CHECKPATCH)
	$(Q)perl $(CHECKPATCH) --no-tree --terse -q -f $(wildcard kmod/*.[ch])
	$(Q)perl $(CHECKPATCH) --no-tree --terse -q --ignore VOLATILE -f $(wildcard bpf/*.[ch])
	$(Q)clang-format --dry-run --Werror $(wildcard userspace/*.[ch] userspace/*/*.[ch] \
		conformance/*.[ch] conformance/lib/*.[ch] tests/unit/*.[ch] tests/vm/*.c tests/vm/lib/*.[ch] \
		tests/fuzz/*.[ch])

# keeps the fuzzers' working corpora and findings (BUILD/fuzz/corpus, crashes)
clean:
	rm -rf $(BUILD)/bin $(BUILD)/obj $(BUILD)/bpf $(BUILD)/lib $(BUILD)/tests $(BUILD)/kmod $(BUILD)/gen \
		$(BUILD)/san $(addprefix $(BUILD)/fuzz/,bin obj lib tests .deps)

distclean:
	rm -rf $(BUILD)
