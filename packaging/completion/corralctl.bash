# SPDX-License-Identifier: Apache-2.0
# bash completion for corralctl(1). Installed as
# /usr/share/bash-completion/completions/corralctl, loaded on first use.
#
# Completes subcommands, global and per-command options, service names (asked
# from a running corrald with `corralctl status`, which fails quietly when none
# runs), PIDs, signal names and scheduling policies.

_corralctl_services() {
  # The socket given on this command line, if any, so the names come from the
  # same daemon the command will talk to.
  local sock=() i
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ ${COMP_WORDS[i]} == --socket ]]; then
      sock=(--socket "${COMP_WORDS[i + 1]}")
    elif [[ ${COMP_WORDS[i]} == --socket=* ]]; then
      sock=("${COMP_WORDS[i]}")
    fi
  done
  # The status table: a header line, then one service per line, its name first.
  timeout 2 "${COMP_WORDS[0]}" "${sock[@]}" status 2>/dev/null | awk 'NR > 1 { print $1 }'
}

_corralctl_pids() {
  local d
  for d in /proc/[0-9]*; do printf '%s\n' "${d#/proc/}"; done
}

_corralctl() {
  local cur prev words cword
  if declare -F _init_completion >/dev/null; then
    _init_completion || return
  else
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  fi

  local commands="ps show tree status start stop restart signal reload logs run
    shutdown waits sched pin topology top group suspend resume submit jobs job queue"
  local global_opts="--socket --json --help --version"

  # The first word that is not an option (nor the value of --socket) is the command.
  local cmd="" i
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      --socket) ((i++)) ;;
      -*) ;;
      *) cmd=${words[i]}; break ;;
    esac
  done

  case $prev in
    --socket)
      COMPREPLY=($(compgen -f -- "$cur"))
      return ;;
    --pid)
      COMPREPLY=($(compgen -W "$(_corralctl_pids)" -- "$cur"))
      return ;;
    --policy)
      COMPREPLY=($(compgen -W "other batch idle fifo rr deadline" -- "$cur"))
      return ;;
    --threads)
      [[ $cmd == pin ]] && { COMPREPLY=($(compgen -W "none spread compact" -- "$cur")); return; } ;;
    --user)
      COMPREPLY=($(compgen -u -- "$cur"))
      return ;;
    --state)
      COMPREPLY=($(compgen -W "new ready running blocked ready-suspend blocked-suspend exit" -- "$cur"))
      return ;;
    --name|--sort|--priority|--nice|--runtime|--deadline|--period|--cpus|--interval|--watch|--grace|-n|--lines)
      return ;;  # a free value
  esac

  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "$commands" -- "$cur"))
    fi
    return
  fi

  local opts="--json --socket --help"
  case $cmd in
    ps) opts+=" --threads --pid --user --state --sort --no-sample --syscalls" ;;
    show) opts+=" --threads" ;;
    logs) opts+=" -n --lines -f --follow" ;;
    run) opts+=" --name" ;;
    sched) opts+=" --policy --priority --nice --runtime --deadline --period" ;;
    pin) opts+=" --cpus --threads --watch --interval" ;;
    waits) opts+=" --pid --dot --resolve --yes --grace" ;;
    submit) opts+=" --queue --name --label --estimate --cwd --env --user" ;;
    jobs) opts+=" --queue" ;;
    job) opts+=" -n --lines -f --follow" ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi

  case $cmd in
    status|start|stop|restart|logs|suspend|resume)
      COMPREPLY=($(compgen -W "$(_corralctl_services)" -- "$cur")) ;;
    signal)
      # signal NAME SIGNAL: the service first, then the signal.
      local args=0
      for ((i = i + 1; i < cword; i++)); do [[ ${words[i]} != -* ]] && ((args++)); done
      if ((args == 0)); then
        COMPREPLY=($(compgen -W "$(_corralctl_services)" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "TERM INT HUP KILL QUIT USR1 USR2 STOP CONT" -- "$cur"))
      fi ;;
    show|tree|sched|pin)
      COMPREPLY=($(compgen -W "$(_corralctl_pids)" -- "$cur")) ;;
    run|submit)
      COMPREPLY=($(compgen -c -- "$cur")) ;;
    job|queue)
      # job show|wait|cancel|logs ID..., queue list|pause|resume NAME...: the verb first.
      if [[ $prev == "$cmd" ]]; then
        [[ $cmd == job ]] && COMPREPLY=($(compgen -W "show wait cancel logs" -- "$cur"))
        [[ $cmd == queue ]] && COMPREPLY=($(compgen -W "list pause resume" -- "$cur"))
      fi ;;
  esac
}

complete -F _corralctl corralctl
