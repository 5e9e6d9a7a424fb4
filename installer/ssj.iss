; Inno Setup script for 双随机抽查工作台 (build the one-folder bundle first: pyinstaller installer\ssj.spec)
; Compile on Windows:  iscc /DMyAppVersion=0.1.0 installer\ssj.iss
#ifndef MyAppVersion
  #define MyAppVersion "0.1.0"
#endif
#define MyAppName "双随机抽查工作台"
#define MyAppExe "ssjw.exe"

[Setup]
; Fixed AppId: never change it, or upgrades install beside the old version instead of replacing it.
AppId={{6B3E2F0A-5D1C-4C7E-9A3B-2F8D1E6C4A91}
AppName={#MyAppName}
AppVersion={#MyAppVersion}
AppVerName={#MyAppName} {#MyAppVersion}
AppPublisher=双随机抽查工作台
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
PrivilegesRequiredOverridesAllowed=dialog
UninstallDisplayIcon={app}\{#MyAppExe}
; User data (database, backups, logs) lives in %LOCALAPPDATA%\ssj and is never removed by the uninstaller.

[Languages]
; ChineseSimplified.isl ships with recent Inno Setup releases; older ones keep it among the unofficial
; translations (jrsoftware/issrc Files/Languages/Unofficial): then put a copy beside this script.
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#elif FileExists(AddBackslash(SourcePath) + "ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "ChineseSimplified.isl"
#else
  #error "找不到 ChineseSimplified.isl：请把它放到 installer\ 目录（见上方注释）。"
#endif

[Tasks]
Name: "desktopicon"; Description: "创建桌面快捷方式"; GroupDescription: "附加快捷方式："

[Files]
Source: "..\dist\ssj\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#MyAppName}"; Filename: "{app}\{#MyAppExe}"
Name: "{group}\卸载 {#MyAppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#MyAppName}"; Filename: "{app}\{#MyAppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\ssj.exe"; Parameters: "--selftest"; Flags: runhidden waituntilterminated; StatusMsg: "正在自检…"
Filename: "{app}\{#MyAppExe}"; Description: "启动 {#MyAppName}"; Flags: nowait postinstall skipifsilent
