#!/usr/bin/env bash
# One command: set everything up and open 双随机抽查工作台 on the demo database (login admin / admin123).
source "$(dirname "${BASH_SOURCE[0]}")/_setup.sh"

ensure_apt python3-venv libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libegl1 fonts-wqy-zenhei
ensure_venv

DB="demo-data/demo.sqlite3"
if [ ! -f "$DB" ]; then
    mkdir -p demo-data
    echo "生成演示数据库 $DB …"
    .venv/bin/python -m app --db "$DB" demo
fi
echo "启动双随机抽查工作台（演示账户 admin / admin123）"
exec .venv/bin/python -m app --db "$DB" "$@"
