#!/usr/bin/env bash
# Prints what real bash completion offers for a command line: Debian's bash-completion loads the
# program's script from XDG_DATA_DIRS on demand, as it does on the first Tab, and the function
# that script registered with `complete -F` is called the way readline calls it.
# Usage: bash-complete.bash 'command line'   (XDG_DATA_DIRS and PATH set by the caller)
set -u
source /usr/share/bash-completion/bash_completion
line=$1
read -ra COMP_WORDS <<<"$line"
[[ $line == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$line
COMP_POINT=${#line}
cmd=${COMP_WORDS[0]}
__load_completion "$cmd" || { echo "bash-completion found no completion for $cmd" >&2; exit 1; }
spec=$(complete -p "$cmd") || exit 1
[[ $spec =~ -F\ ([^ ]+) ]] || { echo "no -F function in: $spec" >&2; exit 1; }
COMPREPLY=()
"${BASH_REMATCH[1]}" "$cmd" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
