# bash completion for primetrace(8)                        -*- shell-script -*-
# SPDX-License-Identifier: GPL-2.0
#
# Commands, each command's options, and the values of those that take one:
# attach modes, DRM nodes of /dev/dri, process ids, files and directories.
# tests/host/install.sh checks the lists below against 'primetrace CMD --help'.
# (COMPREPLY=($(compgen ...)) splits on purpose, as completions do)
# shellcheck disable=SC2207

# the options every command that reads events takes (cmd/options.c)
_primetrace_source_opts='--pid -p --cgroup -c --comm --dev -d --ringbuf-size -b
	--interval -i --duration -D --kernel-stack -K --user-stack -U --attach --btf
	--verbose -v --help -h --usage'

# _primetrace_opts CMD: the options of one command
_primetrace_opts()
{
	case $1 in
	trace)
		echo "$_primetrace_source_opts --input --skip-bad-lines --json -j --perfetto
			--quiet -q" ;;
	record)
		echo "$_primetrace_source_opts --input --skip-bad-lines --output -o --quiet -q
			--snapshot -S" ;;
	features)
		echo '--attach --btf --json -j --verbose -v --help -h --usage' ;;
	objects)
		echo "$_primetrace_source_opts --input --skip-bad-lines --json -j --max-objects
			--connect --tables --stream --table-size" ;;
	leaks)
		echo "$_primetrace_source_opts --input --skip-bad-lines --growth --json -j --outstanding
			--max-objects --min-age --no-stacks --perfetto --stack-depth --connect --tables
			--stream --table-size" ;;
	top)
		echo "$_primetrace_source_opts --iterations -n --json -j --refresh -r --connect
			--tables --stream --table-size" ;;
	check)
		echo '--attach --btf --ringbuf-size -b --connect --duration -D --input --json -j
			--quiet -q --serve --skip-bad-lines --verbose -v --help -h --usage' ;;
	monitor)
		echo "$_primetrace_source_opts --input --skip-bad-lines --check --refresh
			--max-objects --metrics-file --metrics-listen --no-socket --no-stacks
			--report-every --socket --top --tables --stream --table-size" ;;
	esac
}

# the DRM nodes of this machine: card1, renderD129 and their /dev/dri paths
_primetrace_devices()
{
	local n
	for n in /dev/dri/card* /dev/dri/renderD*; do
		[[ -e $n ]] || continue
		printf '%s\n%s\n' "${n##*/}" "$n"
	done
}

# the process ids of this machine
_primetrace_pids()
{
	local p
	for p in /proc/[0-9]*; do
		printf '%s\n' "${p##*/}"
	done
}

_primetrace()
{
	local cur prev words cword split
	_init_completion -s || return

	local commands='trace record features objects leaks top check monitor help'
	if ((cword == 1)); then
		COMPREPLY=($(compgen -W "$commands --help -h --version -V" -- "$cur"))
		return
	fi

	local cmd=${words[1]} i
	if [[ $cmd == help ]]; then
		((cword == 2)) && COMPREPLY=($(compgen -W "${commands% help}" -- "$cur"))
		return
	fi
	# check -- CMD ARGS: complete the command line that check runs
	if [[ $cmd == check ]]; then
		for ((i = 2; i < cword; i++)); do
			if [[ ${words[i]} == -- ]]; then
				_command_offset $((i + 1))
				return
			fi
		done
	fi

	case $prev in
	--attach)
		COMPREPLY=($(compgen -W 'auto fentry kprobe tracepoint unpinned' -- "$cur"))
		return ;;
	--dev | -d)
		COMPREPLY=($(compgen -W "$(_primetrace_devices)" -- "$cur"))
		return ;;
	--pid | -p)
		COMPREPLY=($(compgen -W "$(_primetrace_pids)" -- "$cur"))
		return ;;
	--cgroup | -c)
		_filedir -d
		return ;;
	--input | --btf | --output | -o | --perfetto | --serve | --connect | --socket | \
		--metrics-file)
		_filedir
		return ;;
	--comm | --ringbuf-size | -b | --interval | -i | --duration | -D | --max-objects | \
		--growth | --min-age | --stack-depth | --table-size | --iterations | -n | --refresh | -r | \
		--metrics-listen | --report-every | --top)
		# a value the user chooses
		return ;;
	esac
	$split && return

	if [[ $cur == -* || -z $cur ]]; then
		COMPREPLY=($(compgen -W "$(_primetrace_opts "$cmd")" -- "$cur"))
		[[ ${COMPREPLY-} == *= ]] && compopt -o nospace
	fi
} &&
	complete -F _primetrace primetrace

# ex: filetype=sh
