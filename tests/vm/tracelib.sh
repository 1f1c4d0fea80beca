# SPDX-License-Identifier: GPL-2.0
# Sourced by the primetrace VM tests ('. tracelib.sh', after testlib.sh):
# run 'primetrace trace' in the background, read its summary line, and
# match its events to the steps prime_workload printed.

out=/out
krel=$(uname -r)
case "$krel" in
6.1.*) series=6.1 ;;
6.12.*) series=6.12 ;;
*) series=7 ;;
esac

# start_trace NAME ARGS...: trace in the background until stop_trace;
# waits for the start-up line (the hooks are attached then)
start_trace() {
	tname=$1
	shift
	primetrace trace "$@" >"$out/$tname.json" 2>"$out/$tname.err" &
	tpid=$!
	i=0
	while ! grep -q '^primetrace: tracing' "$out/$tname.err" 2>/dev/null; do
		if ! kill -0 "$tpid" 2>/dev/null || [ $i -ge 300 ]; then
			cat "$out/$tname.err" >&2
			return 1
		fi
		sleep 0.2
		i=$((i + 1))
	done
}

stop_trace() {
	kill -INT "$tpid"
	wait "$tpid"
}

# summary NAME: the last JSON line of a run
summary() { tail -n 1 "$out/$1.json"; }
# sum_count NAME OBJECT TYPE: a count in events_by_type or drops_by_type
sum_count() {
	summary "$1" | sed -n "s/.*\"$2\":{\([^}]*\)}.*/\1/p" | tr ',' '\n' |
		sed -n "s/^\"$3\":\([0-9]*\)$/\1/p" | grep . || echo 0
}
sum_field() { summary "$1" | grep -o "\"$2\":[0-9]*" | head -n 1 | cut -d: -f2; }
# hook_calls NAME FUNC: "how calls" of a hook
hook_calls() {
	summary "$1" | grep -o "\"$2\":{\"how\":\"[a-z]*\",\"calls\":[0-9]*}" |
		sed 's/.*"how":"\([a-z]*\)","calls":\([0-9]*\)}/\1 \2/'
}

# check_steps NAME: match the expectations (stdin) against the workload's
# steps ($out/NAME.steps) and the events ($out/NAME.json).
#   STEP TYPE key=value...   an event of TYPE in the step with these fields
#   STEP !TYPE               no event of TYPE in the step
# A value $key is the step's own key; @field another field of the event;
# * any value but none; an empty value asks for the field to be absent.
# count=N asks for exactly N such events.
check_steps() {
	awk -v label="$1" '
	function jparse(line, ev,    s, kv, k, v, i) {
		s = line
		while (match(s, /"[a-z_]+":("[^"]*"|[^,}]*)/)) {
			kv = substr(s, RSTART, RLENGTH)
			s = substr(s, RSTART + RLENGTH)
			i = index(kv, ":")
			k = substr(kv, 2, i - 3)
			v = substr(kv, i + 1)
			if (substr(v, 1, 1) == "\"")
				v = substr(v, 2, length(v) - 2)
			E[ev, k] = v
		}
	}
	FILENAME != prev { prev = FILENAME; part++ }
	part == 1 && NF >= 2 { nexp++; X[nexp] = $0; next }
	part == 2 && $1 == "WORKLOAD" { split($2, kv, "="); pid = kv[2]; next }
	part == 2 && $1 == "STEP" {
		name = $3
		S[name] = 1
		for (i = 4; i <= NF; i++) {
			j = index($i, "=")
			V[name, substr($i, 1, j - 1)] = substr($i, j + 1)
		}
		next
	}
	part == 3 && /^\{"format":1,"ts"/ { nev++; jparse($0, nev); next }
	END {
		for (x = 1; x <= nexp; x++) {
			n = split(X[x], f, " ")
			step = f[1]
			type = f[2]
			neg = substr(type, 1, 1) == "!"
			if (neg)
				type = substr(type, 2)
			want = -1
			what = label ": " step ": " (neg ? "no " : "") type
			if (!(step in S)) {
				print "FAIL: " what ": the workload did not run this step"
				continue
			}
			t0 = V[step, "t0"]; t1 = V[step, "t1"]
			nk = 0
			for (i = 3; i <= n; i++) {
				j = index(f[i], "=")
				k = substr(f[i], 1, j - 1)
				v = substr(f[i], j + 1)
				if (k == "count") { want = v; continue }
				if (substr(v, 1, 1) == "$")
					v = V[step, substr(v, 2)]
				nk++; K[nk] = k; W[nk] = v
			}
			hits = 0; best = ""; bestmiss = 1000
			for (e = 1; e <= nev; e++) {
				if (E[e, "type"] != type || E[e, "pid"] != pid)
					continue
				if (E[e, "ts"] + 0 < t0 + 0 || E[e, "ts"] + 0 > t1 + 0)
					continue
				miss = 0; why = ""
				for (i = 1; i <= nk; i++) {
					v = W[i]
					if (substr(v, 1, 1) == "@")
						v = E[e, substr(v, 2)]
					if (v == "*" ? E[e, K[i]] == "" : E[e, K[i]] != v) {
						miss++
						why = why " " K[i] "=" E[e, K[i]] "(want " v ")"
					}
				}
				if (!miss)
					hits++
				else if (miss < bestmiss) {
					bestmiss = miss; best = why
				}
			}
			if (neg)
				ok = hits == 0
			else if (want >= 0)
				ok = hits == want
			else
				ok = hits > 0
			if (ok)
				print "PASS: " what
			else if (neg)
				print "FAIL: " what ": " hits " seen"
			else if (want >= 0 && hits)
				print "FAIL: " what ": " hits " seen, " want " expected"
			else
				print "FAIL: " what ": none matches;" (best == "" ? " none of that type" : best)
		}
	}' - "$out/$1.steps" "$out/$1.json"
}
