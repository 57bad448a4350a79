#!/usr/bin/env bash
# The one command to run the backend locally, without Azure Functions Core Tools:
# installs Azurite (pinned in package.json) if missing, builds (Release), starts Azurite in memory on
# 127.0.0.1, then the local host (tools/LocalHost) with the real worker, and prints the base URL.
# Ctrl-C / SIGTERM stops everything it started. Settings: environment variables or local.settings.json
# (see docs/configuration.md); run.sh sets Auth__Enabled=false (authentication off, local development
# only) and a random ADMIN_API_KEY unless you set them. Where Core Tools is installed, `func start` in
# the worker's output folder keeps working too.
set -euo pipefail
cd "$(dirname "$0")"

command -v dotnet >/dev/null || { echo "run.sh: the .NET 10 SDK (dotnet) is required." >&2; exit 1; }
command -v node >/dev/null || { echo "run.sh: Node.js 20+ is required (for Azurite)." >&2; exit 1; }

configuration=Release
# npm writes node_modules/.package-lock.json on every install: older than package-lock.json (or missing) = stale.
if [ ! node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "Installing the dev tools from package.json (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "Building ($configuration)..."
dotnet build src/AgentFunctions/AgentFunctions.csproj -c "$configuration" -nologo -v quiet
dotnet build tools/LocalHost/LocalHost.csproj -c "$configuration" -nologo -v quiet

pids=()
stop() {
  trap - INT TERM EXIT
  # LocalHost first (it drains and stops the worker), then Azurite.
  for ((i=${#pids[@]}-1; i>=0; i--)); do
    kill -TERM "${pids[$i]}" 2>/dev/null || true
    wait "${pids[$i]}" 2>/dev/null || true
  done
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
pick_port() { # wanted port unless taken, else any free one
  if port_taken "$1"; then free_port; else echo "$1"; fi
}

if [ -z "${AzureWebJobsStorage:-}" ]; then
  blob=$(pick_port "${AZURITE_BLOB_PORT:-10000}")
  queue=$(pick_port "${AZURITE_QUEUE_PORT:-10001}")
  table=$(pick_port "${AZURITE_TABLE_PORT:-10002}")
  storage=(--inMemoryPersistence)
  if [ -n "${AZURITE_LOCATION:-}" ]; then storage=(--location "$AZURITE_LOCATION"); fi
  node_modules/.bin/azurite --silent "${storage[@]}" --skipApiVersionCheck --disableTelemetry --loose \
    --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" \
    --tableHost 127.0.0.1 --tablePort "$table" &
  pids+=($!)
  for _ in $(seq 1 100); do port_taken "$table" && break; sleep 0.1; done
  key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="  # Azurite's well-known dev key
  export AzureWebJobsStorage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
  echo "Azurite (${storage[0]#--}) on 127.0.0.1: blob $blob, queue $queue, table $table"
fi

# A setting as the worker will see it: the environment wins over local.settings.json (as in Core Tools).
setting() {
  if [ -n "${!1+x}" ]; then printf '%s' "${!1}"; return; fi
  [ -f local.settings.json ] || return 0
  node -e 'const v=(JSON.parse(require("fs").readFileSync("local.settings.json","utf8")).Values||{})[process.argv[1]];if(v!==undefined)process.stdout.write(String(v))' "$1" 2>/dev/null || true
}
is_set() { [ -n "${!1+x}" ] || { [ -f local.settings.json ] && node -e 'process.exit(Object.hasOwn(JSON.parse(require("fs").readFileSync("local.settings.json","utf8")).Values||{},process.argv[1])?0:1)' "$1" 2>/dev/null; }; }

# Authentication is on by default in the app (and always in Azure); for local development run.sh switches
# it off explicitly unless you set Auth__Enabled yourself (environment or local.settings.json).
if ! is_set Auth__Enabled; then export Auth__Enabled=false; fi
# The retention sweep's timer needs its schedule (six-field cron); every 15 minutes unless you set it.
if ! is_set RETENTION_SWEEP_SCHEDULE; then export RETENTION_SWEEP_SCHEDULE='0 */15 * * * *'; fi
# The admin API needs ADMIN_API_KEY (at least 32 characters): without one, a random key is made for this run.
admin_note="from your settings"
if [ -z "$(setting ADMIN_API_KEY)" ]; then
  ADMIN_API_KEY=$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64url"))')
  export ADMIN_API_KEY
  admin_note="generated for this run; export ADMIN_API_KEY to choose your own"
fi

model="none: POST /api/agent/run answers 503 until you set OpenAI__Endpoint + OpenAI__ChatModel or AzureOpenAI__Endpoint + AzureOpenAI__ChatDeployment"
if [ -n "$(setting OpenAI__Endpoint)" ]; then model="OpenAI-compatible $(setting OpenAI__Endpoint) (model $(setting OpenAI__ChatModel))"; fi
if [ -n "$(setting AzureOpenAI__Endpoint)" ]; then model="Azure OpenAI $(setting AzureOpenAI__Endpoint) (deployment $(setting AzureOpenAI__ChatDeployment))"; fi
auth_note="off: local development only, any request may act for any registered org; Auth__Enabled=true to require API keys"
if [ "$(setting Auth__Enabled | tr '[:upper:]' '[:lower:]')" != "false" ]; then auth_note="on: send X-Api-Key (an org key from the admin API) or a bearer token"; fi
multitenancy=$(setting MULTITENANCY_ENABLED); default_org=$(setting DEFAULT_ORG_ID)

export PORT="${PORT:-7071}"
echo "Settings (environment variables or local.settings.json; see docs/configuration.md):"
echo "  Auth__Enabled=$(setting Auth__Enabled)  ($auth_note)"
echo "  ADMIN_API_KEY=$(setting ADMIN_API_KEY)  ($admin_note)"
echo "  MULTITENANCY_ENABLED=${multitenancy:-false}  DEFAULT_ORG_ID=${default_org:-(unset: \"default\" while multitenancy is off)}"
echo "  model: $model"
echo "Starting the local host and the worker on port $PORT..."
dotnet "tools/LocalHost/bin/$configuration/net10.0/LocalHost.dll" --app "src/AgentFunctions/bin/$configuration/net10.0/AgentFunctions.dll" &
pids+=($!)
wait "${pids[-1]}"
