# bash completion for taper(1): verbs, flags, container and network names,
# config keys, templates. Flags and keys come from the binary itself
# (`taper VERB --help`, `taper config --keys`), so they never go stale.

_taper_store=()

_taper_call()
{
	command taper "${_taper_store[@]}" "$@" 2>/dev/null
}

_taper_verbs()
{
	_taper_call help | awk '/^Verbs:/ { v = 1; next } v && /^  [a-z]/ { print $1 }'
}

_taper_flags()
{
	_taper_call "$1" --help | grep -o -- '--[a-z][a-z-]*' | sort -u
}

_taper()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local i=1 verb="" pos=0 w

	_taper_store=()
	# Global options come before the verb.
	while ((i < COMP_CWORD)); do
		case ${COMP_WORDS[i]} in
		--path)
			_taper_store=(--path "${COMP_WORDS[i+1]}")
			((i += 2))
			;;
		--debug) ((i++)) ;;
		*) break ;;
		esac
	done
	if ((i == COMP_CWORD)); then
		if [[ $prev == --path ]]; then
			COMPREPLY=($(compgen -d -- "$cur"))
		elif [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--path --debug --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_taper_verbs)" -- "$cur"))
		fi
		return
	fi
	verb=${COMP_WORDS[i]}
	# The position among the verb's words that are not flags.
	for ((w = i + 1; w < COMP_CWORD; w++)); do
		[[ ${COMP_WORDS[w]} == -* ]] || ((pos++))
	done

	case $prev in
	--rootfs | --cwd | -w)
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	--file | --image | --busybox | --seccomp)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--format)
		COMPREPLY=($(compgen -W "table json yaml text md" -- "$cur"))
		return
		;;
	-t)
		if [[ $verb == create ]]; then
			COMPREPLY=($(compgen -W "busybox debian oci tarball" -- "$cur"))
			return
		fi
		;;
	--unset)
		COMPREPLY=($(compgen -W "$(_taper_call config --keys --format text | awk '!/^ / { print $1 }')" -- "$cur"))
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_taper_flags "$verb")" -- "$cur"))
		return
	fi

	case $verb in
	help)
		((pos == 0)) && COMPREPLY=($(compgen -W "$(_taper_verbs)" -- "$cur"))
		;;
	run)
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	create | ls | autostart | gc | checkconfig | version) ;;
	stats)
		COMPREPLY=($(compgen -W "$(_taper_call ls -q)" -- "$cur"))
		;;
	config)
		case $pos in
		0) COMPREPLY=($(compgen -W "$(_taper_call ls -q)" -- "$cur")) ;;
		1) COMPREPLY=($(compgen -W "$(_taper_call config --keys --format text | awk '!/^ / { print $1 }')" -- "$cur")) ;;
		esac
		;;
	port)
		case $pos in
		0) COMPREPLY=($(compgen -W "$(_taper_call ls -q)" -- "$cur")) ;;
		1) COMPREPLY=($(compgen -W "add rm ls" -- "$cur")) ;;
		esac
		;;
	network)
		case $pos in
		0) COMPREPLY=($(compgen -W "ls create rm inspect" -- "$cur")) ;;
		1) [[ ${COMP_WORDS[COMP_CWORD-1]} == @(rm|inspect) ]] &&
			COMPREPLY=($(compgen -W "$(_taper_call network ls | awk 'NR > 1 { print $1 }')" -- "$cur")) ;;
		esac
		;;
	wait)
		case $pos in
		0) COMPREPLY=($(compgen -W "$(_taper_call ls -q)" -- "$cur")) ;;
		1) COMPREPLY=($(compgen -W "STOPPED STARTING RUNNING STOPPING FROZEN" -- "$cur")) ;;
		esac
		;;
	*)
		((pos == 0)) && COMPREPLY=($(compgen -W "$(_taper_call ls -q)" -- "$cur"))
		;;
	esac
}

complete -F _taper taper
