; Inno Setup 6 script: the per-user installer of QSI Desktop, from the one-folder build
; (python installer\build.py -> dist\qsi-desktop). No administrator rights: it installs into
; %LOCALAPPDATA%\Programs\QSI Desktop with a Start menu shortcut and an uninstaller (Settings > Apps).
; Where AppLocker blocks programs under %LOCALAPPDATA%, IT deploys the MSI (qsi-desktop.wxs) instead.
;
; Build (see .github/workflows/windows-installer.yml and docs/FOR-IT.md):
;   ISCC.exe /DAppVersion=0.1.0 installer\windows\qsi-desktop.iss
; Signed (the certificate stays outside the repository; any signtool command line works):
;   ISCC.exe /DAppVersion=0.1.0 /DSign "/Sqsisign=signtool.exe sign /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 /sha1 THUMBPRINT $f" installer\windows\qsi-desktop.iss

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\qsi-desktop"
#endif

[Setup]
AppId={{E6F8F761-1580-43A0-ABBF-C73758432E71}
AppName=QSI Desktop
AppVersion={#AppVersion}
AppVerName=QSI Desktop {#AppVersion}
AppPublisher=QSI Desktop project
DefaultDirName={autopf}\QSI Desktop
DefaultGroupName=QSI Desktop
DisableProgramGroupPage=yes
DisableDirPage=auto
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=qsi-desktop-{#AppVersion}-setup
SetupIconFile={#SourceDir}\qsi-desktop.ico
UninstallDisplayIcon={app}\qsi-desktop.exe
UninstallDisplayName=QSI Desktop
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
#ifdef Sign
SignTool=qsisign
SignedUninstaller=yes
#endif

[Files]
Source: "{#SourceDir}\qsi-desktop.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#SourceDir}\qsi.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#SourceDir}\qsi-desktop.ico"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#SourceDir}\_internal\*"; DestDir: "{app}\_internal"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; A new version's modules replace the old ones whole: nothing stale is left in _internal.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\QSI Desktop"; Filename: "{app}\qsi-desktop.exe"; WorkingDir: "{app}"; IconFilename: "{app}\qsi-desktop.ico"; Comment: "Evidence manager for the Quality Standard for Imaging"

[Run]
Filename: "{app}\qsi-desktop.exe"; Description: "Start QSI Desktop"; Flags: nowait postinstall skipifsilent

; Workspaces and settings (%LOCALAPPDATA%\QSI Desktop, the registry key HKCU\Software\QSI Desktop) are
; the user's and are kept on uninstall; a portable folder's data folder is never touched.
