; Inno Setup script for 双随机抽查工作台 (build the one-folder bundle first: pyinstaller installer\ssj.spec)
; Needs Inno Setup 6.3 or newer (this file is UTF-8 without BOM; "x64compatible").
; Compile on Windows:  iscc /DMyAppVersion=0.1.0 installer\ssj.iss
; Silent per-user install (no administrator rights):  ssj-setup-0.1.0.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /CURRENTUSER
; Silent uninstall:  "%LOCALAPPDATA%\Programs\ssj\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
#if Ver < EncodeVer(6, 3, 0)
  #error "需要 Inno Setup 6.3 或更新版本（UTF-8 无 BOM、x64compatible）。"
#endif
#ifndef MyAppVersion
  #define MyAppVersion "0.1.0"
#endif
#define MyAppName "双随机抽查工作台"
#define MyAppExe "ssjw.exe"
#define MyAppPublisher "双随机抽查工作台项目组"
; The running program holds this mutex (app/paths.py APP_MUTEX): setup and uninstall wait until it is closed.
#define MyAppMutex "ssj-shuangsuiji-running"

[Setup]
; Fixed AppId: never change it, or upgrades install beside the old version instead of replacing it.
AppId={{6B3E2F0A-5D1C-4C7E-9A3B-2F8D1E6C4A91}
AppName={#MyAppName}
AppVersion={#MyAppVersion}
AppVerName={#MyAppName} {#MyAppVersion}
AppPublisher={#MyAppPublisher}
AppMutex={#MyAppMutex}
VersionInfoVersion={#MyAppVersion}
VersionInfoCompany={#MyAppPublisher}
VersionInfoDescription={#MyAppName} 安装程序
VersionInfoProductName={#MyAppName}
VersionInfoProductVersion={#MyAppVersion}
SetupIconFile=..\resources\icons\ssj.ico
DefaultDirName={autopf}\ssj
DefaultGroupName={#MyAppName}
DisableProgramGroupPage=yes
OutputDir=..\dist\installer
OutputBaseFilename=ssj-setup-{#MyAppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
UninstallDisplayIcon={app}\{#MyAppExe}
UninstallDisplayName={#MyAppName}
CloseApplications=yes
; User data (database, backups, logs) lives in %LOCALAPPDATA%\ssj and is never removed by the uninstaller.

[Languages]
; ChineseSimplified.isl ships with Inno Setup 6.3+; older ones keep it among the unofficial translations
; (jrsoftware/issrc Files/Languages/Unofficial): then put a copy beside this script.
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#elif FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "ChineseSimplified.isl"
#else
  #error "找不到 ChineseSimplified.isl：请把它放到 installer\ 目录（见上方注释）。"
#endif

[Tasks]
Name: "desktopicon"; Description: "创建桌面快捷方式"; GroupDescription: "附加快捷方式："

[InstallDelete]
; An upgrade replaces the whole runtime folder: Qt/Python files of the old version must not stay behind.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "..\dist\ssj\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#MyAppName}"; Filename: "{app}\{#MyAppExe}"; IconFilename: "{app}\{#MyAppExe}"
Name: "{group}\卸载 {#MyAppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#MyAppName}"; Filename: "{app}\{#MyAppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#MyAppExe}"; Description: "启动 {#MyAppName}"; Flags: nowait postinstall skipifsilent

[Code]
{ The installed program checks itself (database, PDF with the Chinese font, main window). Its exit code is
  checked, and a hang cannot block setup: PowerShell waits at most 180 seconds, then ends it. }
function RunSelfTest(): Integer;
var
  Cmd: String;
  ResultCode: Integer;
begin
  Cmd := '-NoProfile -ExecutionPolicy Bypass -Command "$p = Start-Process -FilePath ''' +
    ExpandConstant('{app}\ssj.exe') + ''' -ArgumentList ''--selftest'' -PassThru -WindowStyle Hidden; ' +
    'if (-not $p.WaitForExit(180000)) { $p.Kill(); exit 124 }; exit $p.ExitCode"';
  if not Exec('powershell.exe', Cmd, '', SW_HIDE, ewWaitUntilTerminated, ResultCode) then
    ResultCode := -1;
  Result := ResultCode;
end;

procedure CurStepChanged(CurStep: TSetupStep);
var
  Code: Integer;
begin
  if CurStep = ssPostInstall then
  begin
    WizardForm.StatusLabel.Caption := '正在自检…';
    Code := RunSelfTest();
    Log(Format('ssj.exe --selftest exit code: %d', [Code]));
    if Code <> 0 then
      SuppressibleMsgBox('双随机抽查工作台安装后自检未通过（代码 ' + IntToStr(Code) + '）。' + #13#10 +
        '请在命令提示符中运行 "' + ExpandConstant('{app}\ssj.exe') + ' --selftest" 查看原因，' +
        '或联系信息化人员。已有数据不受影响。', mbError, MB_OK, IDOK);
  end;
end;
