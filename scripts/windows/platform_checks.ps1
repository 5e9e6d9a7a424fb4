# Windows CI: the checks only Windows can run (issue 20). Needs an installed ssj.exe:
#   powershell -ExecutionPolicy Bypass -File scripts\windows\platform_checks.ps1 -Exe "$env:LOCALAPPDATA\Programs\ssj\ssj.exe"
# Mapped network drives and UNC paths (New-SmbShare, net use), cp936 and the runner's code page, a file held
# open by another program, a stale lock after taskkill /F, printing to "Microsoft Print to PDF" within a memory
# limit (from the source tree's Python), and the executables' version resource and signature.
param([Parameter(Mandatory = $true)][string]$Exe, [string]$Python = ".venv\Scripts\python.exe")
$ErrorActionPreference = "Stop"
$work = Join-Path $env:RUNNER_TEMP "ssj-checks"
New-Item -ItemType Directory -Force $work | Out-Null
function Check($what) { if ($LASTEXITCODE -ne 0) { throw "$what 失败（退出码 $LASTEXITCODE）" } }
function Ssj { & $Exe @args; return $LASTEXITCODE }
$office = "𠮷县䶮乡生态环境保护综合行政执法大队"

Write-Host "== 映射网络驱动器与 UNC 路径上的数据库 =="
$share = Join-Path $work "share"
New-Item -ItemType Directory -Force $share | Out-Null
New-SmbShare -Name ssjshare -Path $share -FullAccess Everyone | Out-Null
net use Z: \\localhost\ssjshare | Out-Null
foreach ($db in @("Z:\执法 数据#1\ssj.sqlite3", "\\localhost\ssjshare\unc\ssj.sqlite3")) {
    New-Item -ItemType Directory -Force (Split-Path $db) | Out-Null
    & $Exe --db $db init --office $office --level county --password "admin12345"; Check "init $db"
    & $Exe --db $db backup --out (Join-Path (Split-Path $db) "备份"); Check "backup $db"
    $list = & $Exe --json --db $db backup-list --dir (Join-Path (Split-Path $db) "备份") | Out-String | ConvertFrom-Json
    $file = @($list)[0].file
    if (-not $file) { $file = (Get-ChildItem (Join-Path (Split-Path $db) "备份") -Filter *.sqlite3 | Select-Object -First 1).FullName }
    & $Exe --db $db restore $file --check-only; Check "restore --check-only $db"
    & $Exe --db $db restore $file; Check "restore $db"
    & $Exe --db $db audit verify; Check "audit verify $db"
    if (Test-Path "$db-wal") { throw "网络共享上的数据库不应使用 WAL：$db-wal" }
}
net use Z: /delete /y | Out-Null

Write-Host "== 代码页：运行器 $([Console]::OutputEncoding.WebName)，cp936 =="
chcp 936 | Out-Null
$db = Join-Path $work "cp936\ssj.sqlite3"
New-Item -ItemType Directory -Force (Split-Path $db) | Out-Null
cmd /c "`"$Exe`" --db `"$db`" --json init --office $office --level county --password admin12345 > `"$work\init.json`" 2> `"$work\init.err`""
if ($LASTEXITCODE -ne 0) { Get-Content "$work\init.err"; throw "cp936 下 --json 失败" }
$json = [System.IO.File]::ReadAllText("$work\init.json", (New-Object System.Text.UTF8Encoding($false, $true)))
if ((ConvertFrom-Json $json).office -ne $office) { throw "--json 不是完整的 UTF-8" }
cmd /c "`"$Exe`" --db `"$db`" audit verify > `"$work\verify.txt`" 2>&1"
if ($LASTEXITCODE -ne 0) { Get-Content "$work\verify.txt"; throw "cp936 下文本输出失败" }
& $Python -m pytest -q -p no:cacheprovider tests/cli/test_console_encoding.py; Check "控制台编码测试"

Write-Host "== 被其他程序占用的文件 =="
$held = Join-Path $work "占用.xlsx"
Set-Content $held "x"
$fs = [System.IO.File]::Open($held, "Open", "ReadWrite", "None")
$err = & $Exe --db $db template objects --out $held 2>&1 | Out-String
$code = $LASTEXITCODE
$fs.Close()
Write-Host $err
if ($code -ne 1 -or $err -notmatch "占用" -or $err -match "写保护") { throw "占用的文件应报告为“被其他程序占用”" }
& $Exe --db $db template objects --out $held; Check "释放后写入"

Write-Host "== taskkill /F 之后的锁文件 =="
$env:QT_QPA_PLATFORM = "offscreen"
$gui = Start-Process -FilePath (Join-Path (Split-Path $Exe) "ssjw.exe") -ArgumentList "--db", "`"$db`"" -PassThru
Start-Sleep -Seconds 15
if (-not (Test-Path "$db.lock")) { throw "程序窗口没有创建锁文件" }
Get-Content "$db.lock" | ForEach-Object { Write-Host "  锁文件：$_" }
taskkill /F /PID $gui.Id | Out-Null
Start-Sleep -Seconds 2
& $Exe --db $db backup --out "$work\备份"; Check "强制结束后备份"
$b = (Get-ChildItem "$work\备份" -Filter *.sqlite3 | Select-Object -First 1).FullName
& $Exe --db $db restore $b; Check "强制结束后恢复（不应一直拒绝）"
& $Exe --db $db user add clerk --role 录入员 --password clerk12345; Check "强制结束后命令行写入"
Remove-Item Env:\QT_QPA_PLATFORM

Write-Host "== 打印到 Microsoft Print to PDF（内存上限）=="
& $Python scripts\windows\print_check.py "$work\print"; Check "打印"

Write-Host "== 版本资源与签名 =="
$version = & $Python -c "import tomllib;print(tomllib.load(open('pyproject.toml','rb'))['project']['version'])"
foreach ($name in @("ssj.exe", "ssjw.exe")) {
    $file = Join-Path (Split-Path $Exe) $name
    $info = (Get-Item $file).VersionInfo
    Write-Host "  $name：$($info.ProductName) $($info.ProductVersion)，$($info.CompanyName)"
    if ($info.ProductVersion -ne $version -or $info.ProductName -ne "双随机抽查工作台" -or -not $info.CompanyName) { throw "$name 的版本资源不对" }
    $sig = Get-AuthenticodeSignature $file
    Write-Host "  签名：$($sig.Status)"
    if ($env:SSJ_EXPECT_SIGNED -eq "1" -and $sig.Status -ne "Valid") { throw "$name 没有有效签名" }
}
Write-Host "Windows 平台检查全部通过。"
