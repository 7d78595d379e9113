#!/usr/bin/env zsh
# Prints what real zsh completion offers for a command line: runs an interactive zsh in a pty
# (zsh/zpty), with compinit and the given fpath, types the line and a Tab, and captures the
# matches at compadd (the way zsh-capture-completion does), one per line.
# Usage: zsh-complete.zsh FPATH_DIR 'command line'
zmodload zsh/zpty || { print -u2 'zsh/zpty is missing'; exit 1 }
zpty z zsh -f -i
zpty -w z "fpath=(${(q)1} \$fpath); source ${(q)0:A:h}/zsh-capture-init.zsh"
zpty -r -m z line '*CAPTURE-READY*' || { print -u2 'zsh did not start'; exit 2 }
zpty -w -n z "$2"$'\t'
integer seen=0
while zpty -r z line; do
  line=${line//$'\r'/}
  line=${line%$'\n'}
  if [[ $line == *CAPTURE-MARK* ]]; then
    (( seen++ )) && break || continue
  fi
  (( seen )) && [[ -n $line ]] && print -r -- $line
done
zpty -d z
