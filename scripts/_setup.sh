# Shared setup for scripts/demo.sh and scripts/test.sh (sourced, not run).
# Installs missing Debian packages (only as root, quietly, only when something is missing), creates the
# virtual environment .venv and installs the project with its dev extras. A re-run is fast.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ensure_apt() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            SUDO=sudo
        else
            echo "缺少系统软件包：${missing[*]}。请以 root 运行本脚本，或执行：sudo apt-get install ${missing[*]}" >&2
            return 0
        fi
    else
        SUDO=
    fi
    echo "安装系统软件包：${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >/dev/null
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_venv() {
    local py="${PYTHON:-python3}"
    if [ ! -x .venv/bin/python ]; then
        echo "创建虚拟环境 .venv"
        "$py" -m venv .venv
    fi
    local stamp=.venv/.ssj-installed
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || ! .venv/bin/python -c "import app, PySide6, pytest" 2>/dev/null; then
        echo "安装依赖（pip install -e .[dev]）"
        .venv/bin/python -m pip install -q --upgrade pip
        .venv/bin/python -m pip install -q -e ".[dev]"
        touch "$stamp"
    fi
}
