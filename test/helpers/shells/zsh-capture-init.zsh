# Sourced by zsh-complete.zsh in the pty'd zsh: compinit, Tab = complete-word, and every match
# printed instead of inserted, between two marker lines.
PROMPT=
autoload -Uz compinit
compinit -u -d "${TMPDIR:-/tmp}/zcompdump-capture-$$"
bindkey '^I' complete-word
capture-mark() { print -r -- CAPTURE-MARK }
compprefuncs=(capture-mark)
comppostfuncs=(capture-mark exit)
compadd() {
  # Calls that only collect (-O, -A, -D) are zsh's own bookkeeping: let them be.
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
    builtin compadd "$@"
    return
  fi
  local -a hits
  builtin compadd -A hits "$@"
  local h
  for h in $hits; do print -r -- "$h"; done
}
print -r -- CAPTURE-READY
