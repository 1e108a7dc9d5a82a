#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# fake-ssh.sh: stands in for ssh in the remote tests (BS_SSH=.../fake-ssh.sh): skips ssh's
# options and the host, and runs the remote command's `blendscope-cli ARGS` as
# "$BS_AGENT_CLI" ARGS on this machine. BS_TEST_AGENT_PIDFILE, if set, receives the
# agent's pid (exec keeps it). BS_TEST_AGENT_MISSING=1 acts as a host without blendscope.
while [ $# -gt 0 ]; do
  case "$1" in
    blendscope-cli)
      shift
      if [ "${BS_TEST_AGENT_MISSING:-}" = 1 ]; then
        echo "sh: 1: blendscope-cli: not found" >&2
        exit 127
      fi
      if [ -n "${BS_TEST_AGENT_PIDFILE:-}" ]; then echo $$ > "$BS_TEST_AGENT_PIDFILE"; fi
      exec "$BS_AGENT_CLI" "$@"
      ;;
    -p|-o) shift 2 ;;
    *) shift ;;
  esac
done
echo "fake-ssh: no remote command" >&2
exit 255
