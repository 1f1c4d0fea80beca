# SPDX-License-Identifier: GPL-2.0
# Shell helpers shared by the tools (sourced, not run).

# One "URI SUITE" line per Debian entry of the system's apt sources, in both
# the one-line (.list) and the deb822 (.sources) formats.
apt_entries() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
			awk '$1 == "deb" { print $2, $3 }'
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = ""; FS = "\n" }
		{
			uris = ""; suites = ""; deb = 0
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^#/) continue
				if ($i ~ /^Types:/ && $i ~ /[ \t]deb([ \t]|$)/) deb = 1
				if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs:[ \t]*/, "", uris) }
				if ($i ~ /^Suites:/) { suites = $i; sub(/^Suites:[ \t]*/, "", suites) }
			}
			if (!deb) next
			nu = split(uris, u, /[ \t]+/); ns = split(suites, s, /[ \t]+/)
			for (a = 1; a <= nu; a++) for (b = 1; b <= ns; b++) print u[a], s[b]
		}' "$f"
	done
}

# debian_mirror: the URI of the system's Debian archive (the entry that
# serves bookworm); the backports suites and debootstrap use it too.
debian_mirror() {
	apt_entries | awk '$2 == "bookworm" { print $1; exit }'
}
