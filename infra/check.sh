#!/usr/bin/env bash
# Compiles and lints the azd template offline. The Bicep CLI comes from NuGet (restored by the
# restore-only infra/tools/BicepCli.csproj). Bicep reports type errors (BCP0xx) as warnings and
# exits 0, so any "Warning" or "Error" line fails this check, whatever the exit code.
set -euo pipefail
cd "$(dirname "$0")/.."

dotnet restore infra/tools/BicepCli.csproj --verbosity quiet
bicep="$(dotnet msbuild infra/tools/BicepCli.csproj -getProperty:BicepCliPath)"
[ -x "$bicep" ] || { echo "Bicep CLI not found at '$bicep'" >&2; exit 1; }

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
status=0
for step in build lint; do
  if [ "$step" = build ]; then
    "$bicep" build infra/bicep/main.bicep --outfile "$out/main.json" >"$out/$step.log" 2>&1 || status=1
  else
    "$bicep" lint infra/bicep/main.bicep >"$out/$step.log" 2>&1 || status=1
  fi
  cat "$out/$step.log"
  if grep -Eq '(Warning|Error) ' "$out/$step.log"; then
    status=1
  fi
done

if [ "$status" -ne 0 ]; then
  echo "bicep: infra/bicep has warnings or errors (see above)" >&2
  exit 1
fi
echo "bicep: infra/bicep builds and lints clean ($("$bicep" --version))"
