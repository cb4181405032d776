; The Windows installer an IT team deploys: per machine into Program Files, the
; xima-chat:// links registered for every user, a Start menu entry, an entry in Apps &
; features, and an uninstaller that leaves each user's chats and settings alone. Silent
; with /S (and /D=folder to choose where). Built with Debian's makensis by
; tests/windows/run.sh (Tauri's own NSIS bundler fetches plugins from the internet,
; which the build machines cannot reach):
;
;   makensis -DAPP_DIR=<folder of xima-chat.exe> -DVERSION=0.1.0 -DOUT=<setup.exe> xima-chat.nsi
;
; The WebView2 runtime the window needs is part of Windows 11 and of Windows 10 with a
; current Edge; it is not bundled.

Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma

!include x64.nsh

!ifndef APP_DIR
  !error "APP_DIR: the folder of xima-chat.exe and WebView2Loader.dll"
!endif
!ifndef VERSION
  !error "VERSION: the app's version"
!endif
!ifndef OUT
  !define OUT "xima-chat-${VERSION}-setup.exe"
!endif
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\XimaChat"
!define LINK_KEY "Software\Classes\xima-chat"

Name "Xima Chat"
OutFile "${OUT}"
InstallDir "$PROGRAMFILES64\Xima Chat"
RequestExecutionLevel admin
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "Xima Chat"
VIAddVersionKey "CompanyName" "Xima Software"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "Xima Chat installer"
VIAddVersionKey "LegalCopyright" "Xima Software"

Page directory
Page instfiles
UninstPage uninstConfirm
UninstPage instfiles

Section
  SetRegView 64
  SetShellVarContext all
  SetOutPath "$INSTDIR"
  File "${APP_DIR}\xima-chat.exe"
  File "${APP_DIR}\WebView2Loader.dll"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  ; A link opens the app, which hands it to the one already running.
  WriteRegStr HKLM "${LINK_KEY}" "" "URL:Xima Chat"
  WriteRegStr HKLM "${LINK_KEY}" "URL Protocol" ""
  WriteRegStr HKLM "${LINK_KEY}\shell\open\command" "" '"$INSTDIR\xima-chat.exe" "%1"'
  CreateShortcut "$SMPROGRAMS\Xima Chat.lnk" "$INSTDIR\xima-chat.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "Xima Chat"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "Xima Software"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\xima-chat.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  SetRegView 64
  SetShellVarContext all
  Delete "$INSTDIR\xima-chat.exe"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\Xima Chat.lnk"
  DeleteRegKey HKLM "${LINK_KEY}"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
SectionEnd
