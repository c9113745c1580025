#!/usr/bin/env bash
# Sets up everything the project needs on a fresh machine: the Python 3.10 venv at .venv/ with every
# dependency pinned in requirements.lock, the `claimbot` console script, and (with --test) the Debian
# PostgreSQL server the tests use, started privately. Re-running is cheap: nothing is reinstalled when
# the lock file is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

find_python() {
  if command -v pyenv >/dev/null 2>&1 && pyenv prefix 3.10.13 >/dev/null 2>&1; then
    echo "$(pyenv prefix 3.10.13)/bin/python"; return
  fi
  for p in python3.10 /root/.pyenv/versions/3.10.13/bin/python; do
    if command -v "$p" >/dev/null 2>&1; then command -v "$p"; return; fi
  done
  echo "需要 Python 3.10（Rasa 3.6 不支持 3.11）：请安装 pyenv 的 3.10.13 或 python3.10" >&2
  exit 1
}

# Debian packages: espeak-ng is the phone channel's voice (pyttsx3's engine, Mandarin `cmn`);
# the tests also drive Debian's chromium (Playwright's own browser download does not work offline).
apt_install() {
  local missing=()
  for spec in "$@"; do
    command -v "${spec%%:*}" >/dev/null 2>&1 || missing+=("${spec#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "需要 root 权限安装：apt-get install ${missing[*]}" >&2; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
apt_install espeak-ng:espeak-ng
[ "$want_test" = 1 ] && apt_install chromium:chromium

if [ ! -x .venv/bin/python ]; then
  "$(find_python)" -m venv .venv
  .venv/bin/pip install -q --upgrade pip==24.0
fi

stamp=.venv/.requirements.sha
want=$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "installing Python dependencies (requirements.lock)..."
  .venv/bin/pip install -q -r requirements.lock
  .venv/bin/pip install -q --no-deps -e .
  echo "$want" > "$stamp"
fi

if [ "$want_test" = 1 ]; then
  # PostgreSQL proves the ticket store on a real server besides SQLite (Debian package, root).
  bash scripts/start_test_postgres.sh >/dev/null
fi
echo "setup done: .venv/bin/claimbot"
