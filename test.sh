#!/usr/bin/env bash
# The one test command: installs the dev tools it needs (package.json: Azurite, Swagger UI, Redocly CLI), builds
# warning-free and runs every test project. Test fixtures start Azurite, the OpenAI-compatible
# test server and (end-to-end) the local host with the real worker on 127.0.0.1 themselves.
set -euo pipefail
cd "$(dirname "$0")"

# npm writes node_modules/.package-lock.json on every install: older than package-lock.json (or missing) = stale.
if [ ! node_modules/.package-lock.json -nt package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

dotnet build AgentFunctions.sln -c Release -warnaserror
dotnet test AgentFunctions.sln -c Release --no-build --logger "console;verbosity=normal" "$@"
