# The test command on Windows (PowerShell twin of scripts/test.sh):
#   powershell -ExecutionPolicy Bypass -File scripts\test.ps1 [pytest arguments]
# Creates .venv, installs the project with its dev extras, runs the whole suite offscreen, builds the one-folder
# bundle (pyinstaller), runs its self-test, compiles the installer with Inno Setup (if iscc is installed) and
# reports its size. Exits non-zero if anything fails. $env:SSJ_SKIP_SUITE = "1" skips the pytest run.
$ErrorActionPreference = "Stop"
Set-Location (Split-Path -Parent $PSScriptRoot)
$env:PYTHONUTF8 = "1"
$env:QT_QPA_PLATFORM = "offscreen"

function Step($name) { Write-Host "== $name =="; $script:started = Get-Date }
function Took { Write-Host ("   （用时 {0:N0} 秒）" -f ((Get-Date) - $script:started).TotalSeconds) }
function Check($what) { if ($LASTEXITCODE -ne 0) { throw "$what 失败（退出码 $LASTEXITCODE）" } }

$py = ".venv\Scripts\python.exe"
if (-not (Test-Path $py)) {
    Step "创建虚拟环境 .venv"
    $base = if ($env:PYTHON) { $env:PYTHON } else { "python" }
    & $base -m venv .venv; Check "创建虚拟环境"
}
Step "安装依赖（pip install -e .[dev]）"
& $py -m pip install -q --upgrade pip; Check "升级 pip"
& $py -m pip install -q -e ".[dev]"; Check "安装依赖"
Took

if ($env:SSJ_SKIP_SUITE -ne "1") {
    Step "运行测试"
    & $py -m pytest -p no:cacheprovider @args; Check "测试"
    Took
}

Step "构建一目录安装包（pyinstaller）"
& $py -m PyInstaller --noconfirm --clean --log-level WARN installer\ssj.spec; Check "pyinstaller"
Took

Step "安装包自检"
$out = & dist\ssj\ssj.exe --selftest
$out | ForEach-Object { Write-Host $_ }
if ($LASTEXITCODE -ne 0 -or ($out | Select-Object -Last 1) -ne "OK") { throw "安装包自检失败" }
$size = (Get-ChildItem dist\ssj -Recurse -File | Measure-Object -Property Length -Sum).Sum / 1MB
Write-Host ("dist\ssj：{0:N1} MB" -f $size)

$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) {
    foreach ($c in @("${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe", "$env:ProgramFiles\Inno Setup 6\ISCC.exe", "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe")) {
        if (Test-Path $c) { $iscc = $c; break }
    }
}
if ($iscc) {
    Step "编译安装程序（Inno Setup）"
    $version = & $py -c "import tomllib;print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])"
    & $iscc /Q "/DMyAppVersion=$version" installer\ssj.iss; Check "iscc"
    $setup = Get-Item "dist\installer\ssj-setup-$version.exe"
    Write-Host ("安装程序：{0}（{1:N1} MB）" -f $setup.FullName, ($setup.Length / 1MB))
    Took
} else {
    Write-Host "未找到 Inno Setup 6.3+（iscc.exe），跳过安装程序编译。安装：winget install JRSoftware.InnoSetup"
}
Write-Host "全部通过。"
