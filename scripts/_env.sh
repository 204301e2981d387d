# Shared by scripts/demo and scripts/test: make .venv with the project installed.
# Usage: source scripts/_env.sh [EXTRAS]   (e.g. "test"; none for the app alone)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}

need_apt=()
if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then need_apt+=(python3-venv); fi
if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing Debian packages: ${need_apt[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
    else
        echo "Please install: ${need_apt[*]} (e.g. sudo apt-get install ${need_apt[*]})" >&2
        exit 1
    fi
fi

if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
spec="."
[ -n "${1:-}" ] && spec=".[$1]"
# pip's progress and build warnings go to a log; one line says what happens (PANTI_LANG: id or en).
if [ "${PANTI_LANG:-id}" = en ]; then
    echo "Installing panti-desktop into .venv (details: .venv/install.log)…"
else
    echo "Memasang panti-desktop ke .venv (rincian: .venv/install.log)…"
fi
if ! .venv/bin/python -m pip install --disable-pip-version-check -e "$spec" > .venv/install.log 2>&1 \
        || ! .venv/bin/python -c 'import panti_desktop' 2>>.venv/install.log; then
    tail -n 20 .venv/install.log >&2
    if [ "${PANTI_LANG:-id}" = en ]; then echo "The installation failed (see .venv/install.log)." >&2
    else echo "Pemasangan gagal (lihat .venv/install.log)." >&2; fi
    exit 1
fi

# Qt needs a few system libraries a minimal Debian may lack; install them when Qt cannot load.
_apt() {
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing Debian packages: $*"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
        echo "Please install: $* (e.g. sudo apt-get install $*)" >&2
    fi
}
case "${1:-}" in
    *gui*|*test*)
        if ! QT_QPA_PLATFORM=offscreen .venv/bin/python -c 'from PySide6 import QtWidgets' >/dev/null 2>&1; then
            _apt libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3 libglib2.0-0
        fi ;;
esac
if [[ "${1:-}" == *gui* ]] && [ "$(uname)" = Linux ] && [ -n "${DISPLAY:-}" ] \
        && ! ldconfig -p 2>/dev/null | grep -q libxcb-cursor.so.0; then
    _apt libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libxcb-shape0 libxcb-render-util0 libxcb-image0 libxcb-randr0
fi
