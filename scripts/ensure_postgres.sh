#!/usr/bin/env bash
# The test suite runs its SQL on a real PostgreSQL server (a throwaway cluster on loopback): make sure
# the server binaries are installed. On Debian as root it installs the distribution's package. It also
# installs tmux there when missing, for the console's terminal test (skipped without it elsewhere).
set -euo pipefail
if ! command -v tmux >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing tmux from the distribution's packages (for the console's terminal test)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tmux >/dev/null \
    || echo "note: tmux unavailable; the console's terminal test is skipped"
fi
if command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing PostgreSQL from the distribution's packages (for the tests' throwaway cluster)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  exit 0
fi
echo "error: the tests need PostgreSQL's server binaries (initdb, pg_ctl); install PostgreSQL" \
     "(Debian/Ubuntu: sudo apt-get install postgresql; macOS: brew install postgresql)" >&2
exit 1
