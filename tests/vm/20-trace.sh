#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# primetrace trace, end to end: prime_workload drives every PRIME path on
# two vprime devices and vgem while 'primetrace trace -j' runs; every step
# must show its events with the right fields (sizes, handles, fds, inodes,
# drivers, and refcounts equal to vprime's debugfs right after the step),
# with nothing dropped. Then: every attached hook fired except the ones
# this kernel is known to leave silent (the 6.12 handle-to-fd trap), the
# kprobe fallback sees the same events, a tiny ring buffer loses an exact
# count, the filters keep what they promise, a recording replays, and
# 'features' shows the expected hooks.
. testlib.sh
. tracelib.sh

# The expectations every kernel shares. file_count: the fd table, the
# exporter's obj->dma_buf and each PRIME cache entry hold one reference.
expect_common() {
	cat <<'EOF'
create_a gem_handle_create driver=$driver minor=$minor handle=$handle obj_size=$size ret=0
export_a prime_handle_to_fd driver=$driver minor=$minor handle=$handle fd=$fd ino=$ino size=$size obj_size=$size ret=0 kref=$refcount handle_count=$handles exp_name=drm exp_driver=$driver exp_minor=$minor obj=@exp_obj flags=0x80002 file_count=3
export_a dmabuf_export ino=$ino size=$size exp_name=drm exp_driver=$driver exp_minor=$minor ret=0 count=1
export_a gem_export ino=$ino driver=$driver minor=$minor obj_size=$size ret=0 count=1
export_a gem_dmabuf_export ino=$ino driver=$driver minor=$minor obj_size=$size ret=0
export_a prime_cache_add ino=$ino handle=$handle driver=$driver minor=$minor ret=0
reexport_a prime_handle_to_fd fd=$fd ino=$ino handle=$handle kref=$refcount handle_count=$handles ret=0 file_count=4
reexport_a !dmabuf_export
reexport_a !gem_export
selfimport_a prime_fd_to_handle fd=$fd handle=$handle ino=$ino driver=$driver minor=$minor kref=$refcount handle_count=$handles obj=@exp_obj ret=0
selfimport_a dmabuf_get fd=$fd ino=$ino ret=0
selfimport_a !gem_import
selfimport_a !gem_handle_create
import_b prime_fd_to_handle driver=$driver minor=$minor handle=$handle fd=$fd ino=$ino size=$size obj_size=$size exp_driver=$exp_driver exp_minor=$exp_minor kref=$refcount handle_count=$handles ret=0
import_b gem_import driver=$driver minor=$minor ino=$ino exp_driver=$exp_driver exp_minor=$exp_minor importer=$devname attach=* ret=0
import_b dmabuf_attach ino=$ino importer=$devname exp_driver=$exp_driver ret=0
import_b dmabuf_map ino=$ino importer=$devname ret=0
import_b gem_handle_create driver=$driver minor=$minor handle=$handle ino=$ino
import_b prime_cache_add driver=$driver minor=$minor handle=$handle ino=$ino ret=0
import_v prime_fd_to_handle driver=vgem minor=$minor handle=$handle fd=$fd ino=$ino exp_driver=$exp_driver exp_minor=$exp_minor ret=0
import_v gem_import driver=vgem minor=$minor ino=$ino exp_driver=$exp_driver ret=0
import_v dmabuf_attach ino=$ino importer=$devname ret=0
mmap dmabuf_mmap ino=$ino len=$len ret=$ret addr=*
vmap_b dmabuf_vmap ino=$ino ret=$ret addr=*
vunmap_b dmabuf_vunmap ino=$ino
close_b gem_handle_delete driver=$driver minor=$minor handle=$handle ino=$ino
close_b prime_cache_remove driver=$driver minor=$minor handle=$handle ino=$ino
close_b gem_prime_destroy driver=$driver minor=$minor ino=$ino importer=$devname
close_b dmabuf_unmap ino=$ino importer=$devname
close_b dmabuf_detach ino=$ino importer=$devname
close_b gem_free driver=$driver minor=$minor obj_size=$size
close_v gem_handle_delete driver=vgem minor=$minor handle=$handle ino=$ino
close_v prime_cache_remove driver=vgem handle=$handle ino=$ino
close_v dmabuf_detach ino=$ino importer=$devname
close_v gem_free driver=vgem minor=$minor
close_fds !dmabuf_release
close_fds !dmabuf_file_release
close_a gem_handle_delete driver=$driver minor=$minor handle=$handle ino=$ino
close_a prime_cache_remove handle=$handle ino=$ino
close_a dmabuf_file_release ino=$ino size=$size exp_driver=$driver
close_a gem_dmabuf_release ino=$ino driver=$driver minor=$minor obj_size=$size
close_a dmabuf_release ino=$ino size=$size exp_driver=$driver
close_a gem_free driver=$driver minor=$minor obj_size=$size
create_v gem_handle_create driver=vgem minor=$minor handle=$handle obj_size=$size
export_v prime_handle_to_fd driver=vgem minor=$minor handle=$handle fd=$fd ino=$ino size=$size exp_driver=vgem ret=0
import_a_from_v prime_fd_to_handle driver=$driver minor=$minor handle=$handle ino=$ino exp_driver=$exp_driver exp_minor=$exp_minor kref=$refcount handle_count=$handles ret=0
import_a_from_v gem_import driver=$driver minor=$minor exp_driver=$exp_driver importer=$devname ino=$ino
export_a3 prime_handle_to_fd handle=$handle fd=$fd ino=$ino size=$size kref=$refcount handle_count=$handles ret=0
import_a2 prime_fd_to_handle handle=$handle fd=$fd ino=$ino kref=$refcount handle_count=$handles obj=@exp_obj ret=0
import_a2 gem_import ino=$ino obj=@exp_obj ret=0
import_a2 gem_handle_create handle=$handle obj=@exp_obj
err_handle prime_handle_to_fd handle=$handle ret=$ret
err_handle !dmabuf_export
err_fd prime_fd_to_handle fd=$fd ret=$ret
err_fd dmabuf_get fd=$fd ret=$ret
close_files gem_handle_delete driver=$driver count=3
close_files gem_handle_delete driver=vgem count=1
close_files dmabuf_release ino=$ino_v exp_driver=vgem
close_files dmabuf_release ino=$ino_a3 exp_driver=$driver
EOF
}

# The export path differs: 6.1 goes through drm_gem_prime_handle_to_fd()
# and dma_buf_fd(); 6.12 through drm_gem_prime_handle_to_dmabuf() and
# fd_install(); 7.x adds dma_buf_fd_install().
expect_series() {
	case $series in
	6.1)
		cat <<'EOF'
export_a gem_handle_to_fd handle=$handle fd=$fd ino=$ino driver=$driver ret=0
export_a dmabuf_fd fd=$fd ino=$ino ret=0
export_a !gem_handle_to_dmabuf
EOF
		;;
	*)
		cat <<'EOF'
export_a gem_handle_to_dmabuf handle=$handle ino=$ino driver=$driver minor=$minor ret=0
export_a !gem_handle_to_fd
export_a !dmabuf_fd
EOF
		;;
	esac
	[ $series = 7 ] && echo 'export_a dmabuf_fd_install fd=$fd ino=$ino'
}

# Hooks that attach but have nothing to see in this workload; any other
# silent hook means a path moved.
silent_ok() {
	case $series in
	6.1) echo "dma_buf_mmap dma_buf_fd_install" ;;
	*) echo "dma_buf_mmap drm_gem_prime_handle_to_fd dma_buf_fd" ;;
	esac
}

# --- features on this kernel -----------------------------------------------
primetrace features >"$out/features.txt" 2>&1
rc=$?
feat() { grep -Eq "^$1 +[^ ]+ +$2( |\$)" "$out/features.txt"; }
if [ $rc = 0 ]; then pass "features: exits 0"; else fail "features: exits 0" "rc=$rc"; fi
# the JSON form, for tests/host/schema.sh
primetrace features -j >"$out/features.json" 2>/dev/null
rc=$?
[ $rc = 0 ] && grep -q '^{"format":1,"kernel":' "$out/features.json" && pass "features -j: exits 0" ||
	fail "features -j: exits 0" "rc=$rc"
for f in drm_prime_handle_to_fd_ioctl drm_prime_fd_to_handle_ioctl drm_gem_prime_fd_to_handle \
	drm_gem_prime_export drm_gem_dmabuf_export drm_gem_prime_import_dev \
	drm_gem_handle_create_tail drm_prime_add_buf_handle drm_prime_remove_buf_handle \
	dma_buf_export dma_buf_get dma_buf_dynamic_attach dma_buf_map_attachment \
	dma_buf_mmap_internal dma_buf_vmap; do
	if feat $f fexit; then pass "features: $f fexit"; else fail "features: $f fexit"; fi
done
for f in drm_gem_dmabuf_release drm_prime_gem_destroy drm_gem_object_release_handle \
	drm_gem_object_release dma_buf_detach dma_buf_unmap_attachment dma_buf_vunmap \
	dma_buf_file_release dma_buf_release; do
	if feat $f fentry; then pass "features: $f fentry"; else fail "features: $f fentry"; fi
done
for f in drm_gem_prime_import drm_gem_handle_delete drm_gem_object_free dma_buf_attach; do
	if feat $f covered; then pass "features: $f covered"; else fail "features: $f covered"; fi
done
case $series in
6.1)
	feat drm_gem_prime_handle_to_fd fexit && feat drm_gem_prime_handle_to_dmabuf missing &&
		feat drm_gem_shmem_prime_import_no_map missing
	;;
6.12)
	feat drm_gem_prime_handle_to_dmabuf fexit && feat dma_buf_fd_install missing
	;;
*)
	feat drm_gem_prime_handle_to_dmabuf fexit && feat dma_buf_fd_install fexit &&
		feat drm_gem_shmem_prime_import_no_map fexit
	;;
esac
if [ $? = 0 ]; then pass "features: the $series hook set"; else fail "features: the $series hook set"; fi
if grep -q ' 0 failed$' "$out/features.txt"; then
	pass "features: nothing failed"
else
	fail "features: nothing failed" "$(tail -n 1 "$out/features.txt")"
fi
if grep -q '^drm: *loaded' "$out/features.txt" &&
	grep -Eq '^devices:.* card[0-9]+\(vprime\).* card[0-9]+\(vprime\)' "$out/features.txt"; then
	pass "features: drm loaded, vprime devices listed"
else
	fail "features: drm loaded, vprime devices listed"
fi

# --- the workload under fentry/fexit ------------------------------------------
if start_trace e2e -j; then
	prime_workload >"$out/e2e.steps"
	wrc=$?
	stop_trace
	trc=$?
	[ $wrc = 0 ] && pass "e2e: the workload ran" || fail "e2e: the workload ran" "rc=$wrc"
	[ $trc = 0 ] && pass "e2e: trace exits 0 on SIGINT" || fail "e2e: trace exits 0 on SIGINT" "rc=$trc"
	{
		expect_common
		expect_series
	} | check_steps e2e
	d=$(sum_field e2e drops)
	[ "$d" = 0 ] && pass "e2e: nothing dropped" || fail "e2e: nothing dropped" "drops=$d"
	grep -q '^{"format":1,"type":"summary"' "$out/e2e.json" && tail -n 1 "$out/e2e.json" | grep -q '"summary"' &&
		pass "e2e: the summary is the last line" || fail "e2e: the summary is the last line"
	grep -Eq '^[0-9]+ events, 0 dropped' "$out/e2e.err" &&
		pass "e2e: the summary on stderr" || fail "e2e: the summary on stderr"

	# every attached hook fired, except the known silent ones
	ok=1
	why=""
	for h in $(summary e2e | grep -o '"[a-z_]*":{"how":"f[a-z]*","calls":0}' | cut -d'"' -f2); do
		case " $(silent_ok) " in
		*" $h "*) ;;
		*) ok=0; why="$why $h" ;;
		esac
	done
	[ $ok = 1 ] && pass "e2e: every attached hook fired but the known silent ones" ||
		fail "e2e: every attached hook fired but the known silent ones" "silent:$why"
	if [ $series != 6.1 ]; then
		# the trap: the hook attaches, the ioctl bypasses it, the ioctl hook sees it
		set -- $(hook_calls e2e drm_gem_prime_handle_to_fd)
		n=$(sum_count e2e events_by_type prime_handle_to_fd)
		if [ "$1" = fexit ] && [ "$2" = 0 ] && [ "$n" -ge 4 ] &&
			grep -q 'silent: drm_gem_prime_handle_to_fd' "$out/e2e.err"; then
			pass "e2e: drm_gem_prime_handle_to_fd attached, never fired, reported silent"
		else
			fail "e2e: drm_gem_prime_handle_to_fd attached, never fired, reported silent" \
				"how=$1 calls=$2 handle_to_fd events=$n"
		fi
	fi
else
	fail "e2e: trace starts"
fi

# --- the same under kprobes -----------------------------------------------------
if start_trace kprobe -j --attach kprobe; then
	prime_workload >"$out/kprobe.steps"
	stop_trace
	grep -q '"how":"fexit"\|"how":"fentry"' "$out/kprobe.json" &&
		fail "kprobe: every hook is a kprobe" || pass "kprobe: every hook is a kprobe"
	{
		expect_common
		expect_series
	} | check_steps kprobe
	a=$(summary e2e | sed 's/.*"events_by_type":{\([^}]*\)}.*/\1/')
	b=$(summary kprobe | sed 's/.*"events_by_type":{\([^}]*\)}.*/\1/')
	[ "$a" = "$b" ] && pass "kprobe: the same events by type as fentry" ||
		fail "kprobe: the same events by type as fentry" "fentry {$a} kprobe {$b}"
else
	fail "kprobe: trace starts"
fi

# --- 7.x: the dma_buf:* tracepoints stand in for seven hooks --------------------
if [ $series = 7 ]; then
	primetrace features --attach tracepoint >"$out/features-tp.txt" 2>&1
	n=$(grep -Ec '^dma_buf_[a-z_]+ +vmlinux +tracepoint' "$out/features-tp.txt")
	[ "$n" = 7 ] && pass "tracepoint: features shows 7 dma_buf hooks on tracepoints" ||
		fail "tracepoint: features shows 7 dma_buf hooks on tracepoints" "$n"
	if start_trace tp -j --attach tracepoint; then
		prime_workload >"$out/tp.steps"
		stop_trace
		# they fire on success only, and know no mapping
		check_steps tp <<'EOF'
export_a dmabuf_export ino=$ino size=$size exp_name=drm exp_driver=$driver hook=dma_buf_export count=1
export_a dmabuf_fd fd=$fd ino=$ino hook=dma_buf_fd
selfimport_a dmabuf_get fd=$fd ino=$ino hook=dma_buf_get
import_b dmabuf_attach ino=$ino importer=$devname attach=* hook=dma_buf_dynamic_attach
close_b dmabuf_detach ino=$ino importer=$devname attach=* hook=dma_buf_detach
mmap dmabuf_mmap ino=$ino hook=dma_buf_mmap_internal
err_fd !dmabuf_get
export_a prime_handle_to_fd handle=$handle fd=$fd ino=$ino kref=$refcount handle_count=$handles hook=drm_prime_handle_to_fd_ioctl
EOF
	else
		fail "tracepoint: trace starts"
	fi
fi

# --- a ring buffer too small: every lost event is counted --------------------
# 4 KiB holds a dozen records; read every 2 s, a burst overflows it.
n=300
if start_trace overflow -j -b 4K -i 2000 --comm prime_workload; then
	prime_workload --burst $n >"$out/overflow.steps"
	sleep 2.5
	stop_trace
	got=$(sum_count overflow events_by_type prime_handle_to_fd)
	lost=$(sum_count overflow drops_by_type prime_handle_to_fd)
	if [ "$lost" -gt 0 ] && [ $((got + lost)) = $n ]; then
		pass "overflow: $got seen + $lost dropped = $n exports"
	else
		fail "overflow: seen + dropped = $n exports" "seen=$got dropped=$lost"
	fi
	total=$(sum_field overflow drops)
	bycpu=$(summary overflow | sed -n 's/.*"drops_by_cpu":\[\([0-9,]*\)\].*/\1/p' | tr ',' '+')
	bytype=$(summary overflow | sed -n 's/.*"drops_by_type":{\([^}]*\)}.*/\1/p' |
		grep -o ':[0-9]*' | tr -d ':' | paste -sd+)
	if [ "$total" -gt 0 ] && [ $((bycpu)) = "$total" ] && [ $((bytype)) = "$total" ]; then
		pass "overflow: drops by CPU and by type add up to $total"
	else
		fail "overflow: drops by CPU and by type add up" "total=$total cpu=$bycpu type=$bytype"
	fi
	grep -q "events, $total dropped" "$out/overflow.err" &&
		pass "overflow: the drops on stderr" || fail "overflow: the drops on stderr"
else
	fail "overflow: trace starts"
fi

# --- filters ------------------------------------------------------------------------
# vgem's minor, as the workload found it ("v=card0:vgem:vgem")
vgem=$(sed -n 's/^WORKLOAD.* v=card\([0-9]*\):.*/\1/p' "$out/e2e.steps")
if start_trace dev -j --dev "card$vgem"; then
	prime_workload >/dev/null
	stop_trace
	n=$(grep -c '^{"format":1,"ts"' "$out/dev.json")
	other=$(grep '^{"format":1,"ts"' "$out/dev.json" | grep -v "\"minor\":$vgem[,}]" |
		grep -vc "\"exp_minor\":$vgem[,}]")
	[ "$n" -gt 0 ] && [ "$other" = 0 ] && pass "filter: --dev card$vgem keeps vgem's events only" ||
		fail "filter: --dev card$vgem keeps vgem's events only" "events=$n others=$other"
else
	fail "filter: --dev trace starts"
fi
# a render node names its device's primary minor
render=$(ls "/sys/class/drm/card$vgem/device/drm" 2>/dev/null | grep '^renderD' | head -n 1)
if [ -z "$render" ]; then
	skip "filter: --dev $render" "vgem has no render node"
elif start_trace render -j --dev "/dev/dri/$render"; then
	prime_workload >/dev/null
	stop_trace
	a=$(grep -c '^{"format":1,"ts"' "$out/dev.json")
	b=$(grep -c '^{"format":1,"ts"' "$out/render.json")
	[ "$a" = "$b" ] && pass "filter: --dev /dev/dri/$render is --dev card$vgem" ||
		fail "filter: --dev /dev/dri/$render is --dev card$vgem" "$b events, not $a"
else
	fail "filter: --dev $render trace starts"
fi
if start_trace comm -j --comm nosuchtask -p 1; then
	prime_workload >/dev/null
	stop_trace
	n=$(grep -c '^{"format":1,"ts"' "$out/comm.json")
	[ "$n" = 0 ] && pass "filter: --comm and -p drop other tasks" ||
		fail "filter: --comm and -p drop other tasks" "$n events"
else
	fail "filter: --comm trace starts"
fi

# -c: the cgroup and below it, nothing outside
mkdir -p /sys/fs/cgroup
mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
if mkdir -p /sys/fs/cgroup/pt 2>/dev/null && [ -e /sys/fs/cgroup/pt/cgroup.procs ]; then
	cgid=$(stat -c %i /sys/fs/cgroup/pt)
	if start_trace cg -j -c /sys/fs/cgroup/pt; then
		sh -c 'echo $$ >/sys/fs/cgroup/pt/cgroup.procs && exec prime_workload' >/dev/null
		prime_workload >/dev/null
		stop_trace
		n=$(sum_count cg events_by_type prime_handle_to_fd)
		other=$(grep '^{"format":1,"ts"' "$out/cg.json" | grep -vc "\"cgroup\":$cgid,")
		[ "$n" = 5 ] && [ "$other" = 0 ] &&
			pass "filter: -c keeps the cgroup's events, all of them" ||
			fail "filter: -c keeps the cgroup's events, all of them" \
				"handle_to_fd=$n, $other from other cgroups"
	else
		fail "filter: -c trace starts"
	fi
else
	skip "filter: -c" "no cgroup v2 here"
fi

# kernel and user stacks
if start_trace stacks -j -K -U --comm prime_workload; then
	prime_workload >/dev/null
	stop_trace
	grep '"type":"prime_handle_to_fd"' "$out/stacks.json" | head -n 1 >"$out/stacks.one"
	grep -q '"kstack":"[^"]*drm_ioctl+0x[0-9a-f]*;' "$out/stacks.one" &&
		grep -q '"ustack":"[^"]*drmPrimeHandleToFD+0x[0-9a-f]*;' "$out/stacks.one" &&
		pass "stacks: -K -U name the ioctl's kernel frames and the user functions" ||
		fail "stacks: -K -U name the ioctl's kernel frames and the user functions" \
			"$(cut -c1-300 "$out/stacks.one")"
else
	fail "stacks: trace starts"
fi

# a closed pipe ends the run cleanly, as does --duration
(
	primetrace trace 2>"$out/pipe.err"
	echo $? >"$out/pipe.rc"
) | head -n 3 >"$out/pipe.txt" &
i=0
while ! grep -q '^primetrace: tracing' "$out/pipe.err" 2>/dev/null && [ $i -lt 300 ]; do
	sleep 0.2
	i=$((i + 1))
done
prime_workload >/dev/null
wait
rc=$(cat "$out/pipe.rc" 2>/dev/null)
[ "$rc" = 0 ] && [ "$(wc -l <"$out/pipe.txt")" = 3 ] && grep -Eq '^[0-9]+ events, 0 dropped' "$out/pipe.err" &&
	pass "SIGPIPE: exits 0 with its summary" || fail "SIGPIPE: exits 0 with its summary" "rc=$rc"
start=$(date +%s)
timeout 120 primetrace trace -D 2 -q >/dev/null 2>"$out/duration.err"
rc=$?
took=$(($(date +%s) - start))
[ $rc = 0 ] && [ $took -lt 60 ] && pass "duration: -D 2 ends by itself" ||
	fail "duration: -D 2 ends by itself" "rc=$rc after ${took}s"

# --- record, then replay on the host side of the tool ---------------------------
primetrace record -o "$out/rec.json" -D 60 2>"$out/rec.err" &
rpid=$!
i=0
while ! grep -q '^primetrace: tracing' "$out/rec.err" && [ $i -lt 300 ]; do
	sleep 0.2
	i=$((i + 1))
done
prime_workload >/dev/null
kill -TERM $rpid
wait $rpid
rc=$?
[ $rc = 0 ] && pass "record: exits 0 on SIGTERM" || fail "record: exits 0 on SIGTERM" "rc=$rc"
primetrace trace -j -q --input "$out/rec.json" >"$out/replay.json"
if [ $? = 0 ] && [ "$(grep -c '^{"format":1,"ts"' "$out/replay.json")" = "$(grep -c '^{"format":1,"ts"' "$out/rec.json")" ] &&
	[ "$(grep '^{"format":1,"ts"' "$out/replay.json" | md5sum)" = "$(grep '^{"format":1,"ts"' "$out/rec.json" | md5sum)" ]; then
	pass "record: --input replays every event as recorded"
else
	fail "record: --input replays every event as recorded"
fi
primetrace trace --input "$out/rec.json" -d vgem >"$out/replay.txt" 2>&1
grep -q '^TIME(s) ' "$out/replay.txt" && grep -q ' vgem:' "$out/replay.txt" &&
	! grep -E '^[0-9]+\.[0-9]+ ' "$out/replay.txt" | grep -v vgem | grep -q . &&
	pass "record: text replay with a driver filter" ||
	fail "record: text replay with a driver filter"

# --- bad input -------------------------------------------------------------------------
for args in "-b 1000" "-b 3K" "-p abc" "--attach nope" "-D -1" "--comm 12345678901234567" \
	"--dev renderD999" "--input /nonexistent" "--bogus"; do
	# shellcheck disable=SC2086
	msg=$(primetrace trace $args 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -lt 128 ] && [ -n "$msg" ]; then
		pass "bad input: trace $args"
	else
		fail "bad input: trace $args" "rc=$rc: $msg"
	fi
done
exit $failed
