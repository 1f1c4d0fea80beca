#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# primetrace monitor, the service, through the modules' whole life: it
# starts before drm and vprime are loaded (60-monitor.args: --defer-modules)
# and must attach DRM's hooks once they load; its metrics (a file on a
# small tmpfs, and HTTP) must pass Prometheus' 'promtool check metrics', be
# read by the real node_exporter's textfile collector, and match vprime's
# debugfs (the live exported buffers and their bytes, per device); a leak
# (tests/vm/leaky export) must raise the suspect gauge, give one line on
# stderr and be named, pid and function, by 'leaks --connect'. Every DRM
# module must unload under the running monitor and load again, and buffers
# made then must be seen. A killed client, a full disk for the metrics file
# and a flood beyond --max-objects leave it running and saying it is
# incomplete.
#
# The VM boots without virtio-gpu (60-monitor.args), as 21-trace-nodrm
# does: on 7.3 virtio_gpu's own unload can WARN in drm_mm_takedown() when
# the host has not yet acknowledged the release of its fbdev buffer, a
# race in that driver that has nothing to do with PRIME (seen once here, at
# the rmmod under a running monitor; five load and unload cycles without
# one were clean), and a splat fails the whole run.
#
# 61-monitor-tables.sh runs all of it again with MON_ARGS=--tables: the
# picture then comes from the kernel's live tables.
. testlib.sh

# how the monitor runs, and what the checks are called
MON_ARGS=${MON_ARGS:-}
tag=${MON_TAG:-monitor}
out=/tmp/monitor
[ -d /out ] && out=/out/monitor
mkdir -p "$out"
tf=/tmp/textfile
mkdir -p $tf
# small, so that it can be filled
mount -t tmpfs -o size=256k tmpfs $tf
prom=$tf/primetrace.prom
sock=/run/primetrace/monitor.sock
port=9464
MAX=400

# metric NAME{LABELS} FILE: the value of one sample ("" when absent)
metric() {
	awk -v k="$1" '$1 == k { print $2 }' "$2"
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds; false at the timeout
wait_for() {
	# local: the condition may wait_for too (fresh)
	local end=$(($(date +%s) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt $end ] || return 1
		sleep 0.1
	done
}

# fresh: wait until the metrics file is rewritten after now
fresh() {
	touch /tmp/stamp
	sleep 0.1
	wait_for 20 sh -c "[ $prom -nt /tmp/stamp ]"
}

# truth: "EXPORTER BUFS BYTES" per vprime device, from its debugfs: the
# objects it exported (dmabuf=, not an import) and their sizes
truth() {
	for d in /sys/kernel/debug/vprime/[0-9]*; do
		read -r card render <"$d/card"
		awk -v c="${card#card}" -v r="${render#renderD}" '
			/^obj / {
				for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
				if (v["dmabuf"] != 0 && v["import"] == "-") { n++; b += v["size"] }
			}
			END { printf "%s %s %d %d\n", c, r, n, b }' "$d/objects"
	done
}

# matches_truth WHAT: every vprime device's buffers and bytes as debugfs says
matches_truth() {
	what=$1
	bad=
	truth >"$out/truth.$what"
	while read -r c r n b; do
		lbl=vprime:$c
		[ -n "$(metric "primetrace_exporter_dmabufs{exporter=\"$lbl\"}" $prom)" ] ||
			lbl=vprime:$r
		m=$(metric "primetrace_exporter_dmabufs{exporter=\"$lbl\"}" $prom)
		mb=$(metric "primetrace_exporter_dmabufs_bytes{exporter=\"$lbl\"}" $prom)
		[ "${m:-0}" = "$n" ] && [ "${mb:-0}" = "$b" ] ||
			bad="$bad card$c: $n buffers $b bytes in debugfs, ${m:-none} and ${mb:-none} in the metrics;"
	done <"$out/truth.$what"
	cp $prom "$out/metrics.$what"
	[ -z "$bad" ] && pass "$tag: $what: the metrics match vprime's debugfs" ||
		fail "$tag: $what: the metrics match vprime's debugfs" "$bad"
}

promcheck() {
	if promtool check metrics <"$1" >"$out/promtool.$2" 2>&1; then
		pass "$tag: promtool check metrics ($2)"
	else
		fail "$tag: promtool check metrics ($2)" "$(head -n 3 "$out/promtool.$2" | tr '\n' ' ')"
	fi
}

grep -q '^drm ' /proc/modules && fail "$tag: drm is not loaded before the monitor"

mkdir -p /run
# the guest's loopback starts down
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
# shellcheck disable=SC2086
primetrace monitor $MON_ARGS --refresh 1 --max-objects $MAX --metrics-file $prom \
	--metrics-listen 127.0.0.1:$port --socket $sock >"$out/mon.out" 2>"$out/mon.err" &
mpid=$!
started() {
	kill -0 $mpid || return 0
	grep -q "running" "$out/mon.err" && [ -s $prom ]
}
if ! wait_for 120 started || ! kill -0 $mpid; then
	fail "$tag: starts before drm" "$(tail -n 3 "$out/mon.err" | tr '\n' ' ')"
	kill $mpid
	exit 1
fi
pass "$tag: starts before drm is loaded"
fresh
[ "$(metric primetrace_drm_hooks $prom)" = 0 ] && pass "$tag: no DRM hooks before drm" ||
	fail "$tag: no DRM hooks before drm" "$(metric primetrace_drm_hooks $prom)"

# --- drm loads: the hooks follow ---------------------------------------------
vm-load-modules
drm_hooked() {
	fresh && [ "$(metric primetrace_drm_hooks $prom)" -gt 0 ]
}
if wait_for 240 drm_hooked; then
	pass "$tag: DRM hooks attached once drm loaded ($(metric primetrace_drm_hooks $prom))"
else
	fail "$tag: DRM hooks attached once drm loaded" "$(tail -n 3 "$out/mon.err" | tr '\n' ' ')"
fi
# settled: the modules load one after the other, and each that holds hooks
# makes the monitor attach again; the checks below start once the attach
# count has held still for 3 s
settled() {
	a=$(metric primetrace_attaches_total $prom)
	sleep 3
	fresh && [ "$(metric primetrace_attaches_total $prom)" = "$a" ]
}
wait_for 120 settled
grep "kprobe" /sys/kernel/debug/kprobes/list >"$out/kprobes" 2>/dev/null

# --- a leak, against vprime's truth --------------------------------------------
leaky --hold 600 --count 20 export >"$out/leaky.out" 2>&1 &
lpid=$!
wait_for 60 grep -q "^LEAK" "$out/leaky.out" || fail "$tag: leaky export runs" "$(cat "$out/leaky.out")"
sleep 1
fresh
matches_truth leak
[ "$(metric primetrace_leak_suspects'{rule="export_growth"}' $prom)" = 1 ] &&
	pass "$tag: the leak raises the export_growth suspect gauge" ||
	fail "$tag: the leak raises the export_growth suspect gauge" \
		"$(grep '^primetrace_leak_suspects' $prom | tr '\n' ' ')"
grep -q "new suspect: export_growth: pid $lpid (leaky)" "$out/mon.err" &&
	pass "$tag: one stderr line names the new suspect" ||
	fail "$tag: one stderr line names the new suspect" "$(grep suspect "$out/mon.err" | head -n 3)"
primetrace leaks --connect $sock >"$out/connect.txt" 2>&1
rc=$?
[ $rc = 0 ] && grep -q "^    culprit:  pid $lpid (leaky)" "$out/connect.txt" &&
	grep -q "leak_export_loop" "$out/connect.txt" &&
	pass "$tag: leaks --connect names the culprit and its stack" ||
	fail "$tag: leaks --connect names the culprit and its stack" "rc=$rc $(head -n 8 "$out/connect.txt" | tr '\n' ' ')"
primetrace objects -j --connect $sock >"$out/objects.json" 2>&1 &&
	[ "$(grep -o '"exp_comm":"leaky"' "$out/objects.json" | wc -l)" = 20 ] &&
	pass "$tag: objects --connect lists the 20 buffers" ||
	fail "$tag: objects --connect lists the 20 buffers" "$(head -c 300 "$out/objects.json")"

# an import held meanwhile: the attachments gauge against vprime's truth
# (each import object of vprime's is one attachment, mapped), and its
# attachment in objects --connect
leaky --hold 600 import >"$out/import.out" 2>&1 &
ipid=$!
wait_for 60 grep -q "^LEAK" "$out/import.out" || fail "$tag: leaky import runs" "$(cat "$out/import.out")"
sleep 1
fresh
want=$(cat /sys/kernel/debug/vprime/[0-9]*/objects | grep '^obj ' | grep -vc ' import=- ')
got=$(metric primetrace_dmabuf_attachments $prom)
[ "$want" -ge 1 ] && [ "$got" = "$want" ] &&
	pass "$tag: the attachments gauge matches vprime's imports ($got)" ||
	fail "$tag: the attachments gauge matches vprime's imports" "debugfs $want, metric '$got'"
primetrace objects -j --connect $sock >"$out/objects-import.json" 2>&1 &&
	grep -q "\"attachments\":\[{\"importer\":\"[^\"]*\",\"driver\":\"[^\"]*\",\"pid\":$ipid,\"maps\":1," \
		"$out/objects-import.json" &&
	pass "$tag: objects --connect lists the import's attachment, mapped" ||
	fail "$tag: objects --connect lists the import's attachment, mapped" \
		"$(grep -o '"attachments":[^]]*' "$out/objects-import.json" | head -n 3 | tr '\n' ' ')"
kill $ipid
wait $ipid

# the same numbers through HTTP, promtool, and node_exporter's textfile collector
promcheck $prom file
wget -q -O "$out/http.txt" "http://127.0.0.1:$port/metrics" &&
	grep -q '^primetrace_dmabufs ' "$out/http.txt" && pass "$tag: GET /metrics" ||
	fail "$tag: GET /metrics" "$(head -c 200 "$out/http.txt")"
promcheck "$out/http.txt" http
prometheus-node-exporter --collector.disable-defaults --collector.textfile \
	--collector.textfile.directory=$tf --web.listen-address=127.0.0.1:9100 \
	>"$out/node-exporter.log" 2>&1 &
npid=$!
wait_for 60 wget -q -O "$out/node.txt" http://127.0.0.1:9100/metrics
fresh
wget -q -O "$out/node.txt" http://127.0.0.1:9100/metrics
want=$(metric primetrace_dmabufs $prom)
got=$(metric primetrace_dmabufs "$out/node.txt")
[ -n "$want" ] && [ "$got" = "$want" ] && grep -q '^node_textfile_scrape_error 0' "$out/node.txt" &&
	pass "$tag: node_exporter's textfile collector serves the metrics ($got buffers)" ||
	fail "$tag: node_exporter's textfile collector serves the metrics" \
		"want $want, got '$got'; $(grep -E 'textfile|error' "$out/node.txt" | head -n 3 | tr '\n' ' ')"
kill $npid

# A module with hooks goes and comes while the leak is held (vgem and its
# drm_shmem_helper; leaky's buffers are vprime's): the monitor attaches
# again, and must still know every buffer and who made it. With --tables
# that is the old tables taken over by the new programs.
before=$(metric primetrace_attaches_total $prom)
if rmmod vgem drm_shmem_helper 2>"$out/rmmod-shmem.err"; then
	vm-load-modules 2>/dev/null
	again() {
		fresh && [ "$(metric primetrace_attaches_total $prom)" -gt "$before" ]
	}
	# where drm_shmem_helper holds no hooked function (6.1), nothing moves
	wait_for 30 again
	wait_for 120 settled
	got=$(metric "primetrace_process_dmabufs{pid=\"$lpid\",comm=\"leaky\"}" $prom)
	after=$(metric primetrace_attaches_total $prom)
	if [ "$after" = "$before" ]; then
		skip "$tag: attached again after a module reload" \
			"reloading vgem and drm_shmem_helper moved no hooked module on this kernel"
	else
		[ "$got" = 20 ] &&
			pass "$tag: attached again after a module reload, still 20 buffers of pid $lpid" ||
			fail "$tag: attached again after a module reload, still 20 buffers of pid $lpid" \
				"attaches $before -> $after, buffers of $lpid: $got"
		# the stack that made them: a snapshot does not know it (with
		# --tables, only the tables the new programs took over do)
		primetrace leaks --connect $sock >"$out/connect.reattached.txt" 2>&1 &&
			grep -q "leak_export_loop" "$out/connect.reattached.txt" &&
			pass "$tag: after the reload, leaks --connect still names the stack" ||
			fail "$tag: after the reload, leaks --connect still names the stack" \
				"$(head -n 8 "$out/connect.reattached.txt" | tr '\n' ' ')"
	fi
	cp $prom "$out/metrics.reattached"
else
	skip "$tag: attached again after a module reload" "rmmod vgem drm_shmem_helper: $(cat "$out/rmmod-shmem.err")"
fi

kill $lpid
wait $lpid
sleep 1
fresh
matches_truth released

# --- robustness: a killed client, a full disk -----------------------------------
monitor_client $sock partial >/dev/null 2>&1 &
cpid=$!
sleep 0.5
kill -9 $cpid
primetrace top --connect $sock >"$out/top.txt" 2>&1 && kill -0 $mpid &&
	pass "$tag: a client killed -9 mid-request, the next is answered" ||
	fail "$tag: a client killed -9 mid-request, the next is answered" "$(head -n 2 "$out/top.txt")"
# the monitor's own file comes and goes (temporary, renamed over the old):
# fill what it frees too, until it fails
i=0
while [ $i -lt 20 ] && ! grep -q "No space left" "$out/mon.err"; do
	dd if=/dev/zero of=$tf/filler.$i bs=4k 2>/dev/null
	i=$((i + 1))
	sleep 0.5
done
sleep 2
if kill -0 $mpid && grep -q "primetrace.prom: No space left on device" "$out/mon.err" &&
	[ "$(grep -c 'No space left' "$out/mon.err")" = 1 ] &&
	wget -q -O "$out/http.full" "http://127.0.0.1:$port/metrics" &&
	[ "$(metric primetrace_metrics_write_errors_total "$out/http.full")" -gt 0 ]; then
	pass "$tag: a full disk for the metrics file is said once, the monitor goes on"
else
	fail "$tag: a full disk for the metrics file is said once, the monitor goes on" \
		"$(tail -n 3 "$out/mon.err" | tr '\n' ' ')"
fi
ls $tf | grep -q tmp && fail "$tag: no temporary file left on the full disk" "$(ls $tf)"
rm -f $tf/filler.*
fresh && grep -q "written again" "$out/mon.err" &&
	pass "$tag: the metrics file is written again once there is room" ||
	fail "$tag: the metrics file is written again once there is room"

# --- every DRM module out and back, under the running monitor ------------------
before=$(metric primetrace_attaches_total $prom)
mods=$(sed 's|.*/||; s|\.ko.*||; s|-|_|g' /modules.load | sed -n '1!G;h;$p')
for m in $mods; do
	rmmod "$m" 2>>"$out/rmmod.err" || echo "$m" >>"$out/rmmod.failed"
done
left=$(grep -E '^(drm|drm_kms_helper|vgem|virtio_gpu|vprime) ' /proc/modules | cut -d' ' -f1 | tr '\n' ' ')
[ -z "$left" ] && pass "$tag: every DRM module unloads under the running monitor" ||
	fail "$tag: every DRM module unloads under the running monitor" "still loaded: $left $(cat "$out/rmmod.err" 2>/dev/null | tr '\n' ' ')"
drm_gone() {
	fresh && [ "$(metric primetrace_drm_hooks $prom)" = 0 ]
}
wait_for 240 drm_gone && kill -0 $mpid && pass "$tag: runs on without drm, no DRM hooks" ||
	fail "$tag: runs on without drm, no DRM hooks" "$(tail -n 3 "$out/mon.err" | tr '\n' ' ')"
vm-load-modules
reattached() {
	fresh && [ "$(metric primetrace_attaches_total $prom)" -gt "$before" ] &&
		[ "$(metric primetrace_drm_hooks $prom)" -gt 0 ]
}
wait_for 240 reattached && pass "$tag: attaches again when drm loads again" ||
	fail "$tag: attaches again when drm loads again" "$(tail -n 3 "$out/mon.err" | tr '\n' ' ')"
leaky --hold 600 --count 3 export >"$out/leaky2.out" 2>&1 &
lpid=$!
wait_for 60 grep -q "^LEAK" "$out/leaky2.out"
sleep 1
fresh
matches_truth reloaded
[ "$(metric primetrace_dmabufs $prom)" = 3 ] && pass "$tag: sees the buffers made after the reload" ||
	fail "$tag: sees the buffers made after the reload" "$(metric primetrace_dmabufs $prom)"
kill $lpid
wait $lpid

# --- a flood beyond --max-objects ------------------------------------------------
leaky --hold 600 --count $((MAX / 2)) export >"$out/leaky3.out" 2>&1 &
lpid=$!
wait_for 120 grep -q "^LEAK" "$out/leaky3.out"
sleep 1
fresh
inc=$(metric primetrace_incomplete $prom)
full=$(metric primetrace_incomplete_reason'{reason="table_full"}' $prom)
ev=$(metric primetrace_table_evictions_total $prom)
[ "$inc" = 1 ] && [ "$full" = 1 ] && [ "${ev:-0}" -gt 0 ] && kill -0 $mpid &&
	pass "$tag: a flood past --max-objects: running, metrics say incomplete ($ev untracked)" ||
	fail "$tag: a flood past --max-objects: running, metrics say incomplete" "incomplete=$inc table_full=$full evictions=$ev"
case "$MON_ARGS" in
*--tables*)
	kfull=$(metric primetrace_incomplete_reason'{reason="kernel_table_full"}' $prom)
	kev=$(metric primetrace_kernel_table_evictions_total $prom)
	[ "$kfull" = 1 ] && [ "${kev:-0}" -gt 0 ] &&
		pass "$tag: the flood overflows the kernel's tables, and the metrics say so ($kev refused)" ||
		fail "$tag: the flood overflows the kernel's tables, and the metrics say so" \
			"kernel_table_full=$kfull evictions=$kev"
	;;
esac
primetrace leaks --connect $sock >"$out/flood.txt" 2>&1
grep -q "^picture incomplete: .*over the bound" "$out/flood.txt" &&
	pass "$tag: leaks --connect says the picture is incomplete" ||
	fail "$tag: leaks --connect says the picture is incomplete" "$(tail -n 2 "$out/flood.txt")"
promcheck $prom flood
kill $lpid
wait $lpid

kill -TERM $mpid
wait $mpid
rc=$?
[ $rc = 0 ] && pass "$tag: SIGTERM ends it, exit 0" || fail "$tag: SIGTERM ends it, exit 0" "rc=$rc"
# --- why kprobes in modules: a BPF trampoline pins its module ------------------
# the control that shows the unload check above can fail
primetrace monitor --attach fentry --no-socket --refresh 1 >/dev/null 2>"$out/fentry.err" &
fpid=$!
wait_for 120 grep -q "running" "$out/fentry.err"
for m in $mods; do
	rmmod "$m" 2>/dev/null
done
grep -q '^drm ' /proc/modules &&
	pass "$tag: with --attach fentry, drm cannot unload (why modules get kprobes)" ||
	fail "$tag: with --attach fentry, drm cannot unload (why modules get kprobes)" \
		"$(cat "$out/fentry.err" | tr '\n' ' ')"
kill $fpid
wait $fpid
for m in $mods; do
	rmmod "$m" 2>/dev/null
done
grep -q '^drm ' /proc/modules && fail "$tag: drm unloads once the fentry monitor ended" ||
	pass "$tag: drm unloads once the fentry monitor ended"
umount $tf
exit $failed
