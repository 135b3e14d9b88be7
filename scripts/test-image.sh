#!/usr/bin/env bash
# `make test-image`: builds the image (scripts/build-image.sh) and checks it against the running
# container, on loopback only (published to 127.0.0.1, a free port) and with --offline:
#   1. appended flags (-o --region eu-west-1 --offline) reach the daemon after the entry point's;
#   2. `podman healthcheck run` reports healthy;
#   3. the process (PID 1) runs as the non-root user xrayd (uid 10001);
#   4. a segment sent from the host to the published UDP port and one sent to the published TCP
#      port (PutTraceSegments) come back through the API: POST /Traces and POST /TraceSummaries;
#   5. the web console is embedded (built by the image's own node/npm): GET /ui/traces is its page;
#   6. SIGTERM (podman stop) right after a burst of BURST segments was accepted stops it with exit 0;
#   7. a new container on the same volume serves every one of them: nothing lost.
# Every wait polls its condition with a deadline. Installs podman, runc, curl, jq if missing.
#   SKIP_BUILD=1  test the existing $IMAGE without building it
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/podman-env.sh
IMAGE=${IMAGE:-xrayd:latest}
BURST=${BURST:-200}
ensure_packages curl jq iproute2

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  bash scripts/build-image.sh
fi

run_id=$$-$(date +%s)
name=xrayd-test-$run_id
volume=xrayd-test-$run_id
service=image-test-$run_id
# Without systemd, podman cannot set up the timer that runs the health check every 10 s and says
# so on every run/stop/rm; the check is run here with `podman healthcheck run` instead.
podman() { command podman "$@" 2> >(grep -v 'unable to get systemd connection' >&2); }
cleanup() {
  podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
  podman volume rm -f "$volume" >/dev/null 2>&1 || true
}
trap cleanup EXIT

fail() {
  echo "test-image: FAIL: $*" >&2
  podman logs --tail 30 "$name" >&2 2>&1 || true
  exit 1
}
pass() { echo "test-image: ok: $*"; }

# until DEADLINE_SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds or the deadline passes.
until_ok() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# A loopback port free for both TCP and UDP.
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 30000))
    if ! ss -Htlun | awk '{print $5}' | grep -q ":$port\$"; then
      echo "$port"
      return
    fi
  done
  return 1
}
port=$(free_port) || fail "no free loopback port"
api=http://127.0.0.1:$port

run_container() {
  podman run -d --name "$name" -p "127.0.0.1:$port:2000/udp" -p "127.0.0.1:$port:2000/tcp" \
    -v "$volume:/var/lib/xrayd" "$IMAGE" -o --region eu-west-1 --offline >/dev/null
}
healthy() { podman healthcheck run "$name" >/dev/null 2>&1; }
api_up() { curl -fsS -m 2 "$api/healthz" >/dev/null 2>&1; }

hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
now() { date +%s.%N | cut -c1-14; }
# A segment document of service $service; $1 = trace id.
segment() {
  local start
  start=$(now)
  jq -cn --arg trace "$1" --arg id "$(hex 8)" --arg name "$service" --argjson start "$start" \
    '{trace_id: $trace, id: $id, name: $name, start_time: $start, end_time: ($start + 0.01)}'
}
trace_id() { printf '1-%08x-%s' "$(date +%s)" "$(hex 12)"; }
send_udp() {  # one datagram (one write by cat; printf may write twice): header line, document
  cat <<<$'{"format": "json", "version": 1}\n'"$1" >"/dev/udp/127.0.0.1/$port"
}
api_post() { curl -fsS -m 5 -H 'Content-Type: application/json' -d "$2" "$api$1"; }

# Trace ids found by BatchGetTraces (at most 5 per call, as AWS).
found_traces() {
  api_post /Traces "$(jq -cn --args '{TraceIds: $ARGS.positional}' "$@")" | jq -r '.Traces[].Id'
}
all_found() {
  local want=$# got
  got=$(found_traces "$@" 2>/dev/null | sort -u | wc -l)
  [[ $got -eq $want ]]
}
# Number of trace summaries of this run's service in the last 10 minutes (every page).
summary_count() {
  local token="" count=0 page body
  local end_time start_time
  end_time=$(($(date +%s) + 60))
  start_time=$((end_time - 660))
  while :; do
    body=$(jq -cn --argjson s "$start_time" --argjson e "$end_time" --arg f "service(\"$service\")" \
      --arg t "$token" '{StartTime: $s, EndTime: $e, FilterExpression: $f} +
                        (if $t == "" then {} else {NextToken: $t} end)')
    page=$(api_post /TraceSummaries "$body") || return 1
    count=$((count + $(jq '.TraceSummaries | length' <<<"$page")))
    token=$(jq -r '.NextToken // ""' <<<"$page")
    [[ -n "$token" ]] || break
  done
  echo "$count"
}
metric() { curl -fsS -m 2 "$api/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
accepted_at_least() { local v; v=$(metric xrayd_segments_accepted_total) && (( ${v%.*} >= $1 )); }

echo "test-image: $IMAGE as $name on 127.0.0.1:$port (udp+tcp), volume $volume"

# 1. Appended flags: parsed after the entry point's, with their sources.
config=$(podman run --rm "$IMAGE" -o --region eu-west-1 --offline --print-config)
grep -Eq '^region +eu-west-1 +flag' <<<"$config" || fail "--region not applied: $config"
grep -Eq '^udp_address +0\.0\.0\.0:2000 +flag -b' <<<"$config" || fail "entry point -b lost: $config"
grep -Eq '^local_mode +(true|yes|on) +flag' <<<"$config" || fail "-o not applied: $config"
pass "appended flags -o --region eu-west-1 --offline follow the entry point's"

run_container
until_ok 60 healthy || fail "not healthy within 60 s"
[[ $(podman inspect --format '{{.State.Health.Status}}' "$name") == healthy ]] ||
  fail "health status $(podman inspect --format '{{.State.Health.Status}}' "$name")"
pass "podman healthcheck run: healthy"

uids=$(podman exec "$name" awk '/^Uid:/ { print $2, $3, $4, $5 }' /proc/1/status)
[[ "$uids" == "10001 10001 10001 10001" ]] || fail "PID 1 uids: $uids"
user=$(podman top "$name" user | tail -1)
[[ "$user" == xrayd ]] || fail "podman top user: $user"
pass "PID 1 runs as xrayd (uid 10001)"

until_ok 30 api_up || fail "API on $api not answering"
udp_trace=$(trace_id)
tcp_trace=$(trace_id)
send_udp "$(segment "$udp_trace")"
put=$(api_post /TraceSegments "$(jq -cn --arg d "$(segment "$tcp_trace")" '{TraceSegmentDocuments: [$d]}')")
[[ $(jq '.UnprocessedTraceSegments | length' <<<"$put") -eq 0 ]] || fail "PutTraceSegments: $put"
until_ok 20 all_found "$udp_trace" "$tcp_trace" || fail "POST /Traces did not return both traces"
pass "UDP segment ($udp_trace) and TCP PutTraceSegments ($tcp_trace) served by POST /Traces"
summaries=$(summary_count)
[[ $summaries -eq 2 ]] || fail "POST /TraceSummaries found $summaries traces of $service, want 2"
pass "POST /TraceSummaries lists both"
console=$(curl -fsS -m 5 "$api/ui/traces") || fail "GET /ui/traces failed: the console is not in the image"
grep -q '<script' <<<"$console" || fail "GET /ui/traces is not the console's page: $console"
pass "GET /ui/traces serves the embedded console"

# Burst, then SIGTERM as soon as every document was accepted (stored or still queued).
# Ids from one read of /dev/urandom and documents built by bash: one process (cat) per datagram.
burst_ids=()
random=$(hex $((BURST * 20)))
epoch=$(printf %08x "$(date +%s)")
start=$(now)
for ((i = 0; i < BURST; i++)); do
  id=1-$epoch-${random:i*40:24}
  burst_ids+=("$id")
  printf -v doc '{"trace_id":"%s","id":"%s","name":"%s","start_time":%s,"end_time":%s}' \
    "$id" "${random:i*40+24:16}" "$service" "$start" "$start"
  send_udp "$doc"
done
until_ok 30 accepted_at_least $((BURST + 2)) ||
  fail "accepted $(metric xrayd_segments_accepted_total) of $((BURST + 2))"
stored_before=$(metric xrayd_segments_stored_total)
podman stop -t 30 "$name" >/dev/null
exit_code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
[[ "$exit_code" == 0 ]] || fail "exit code $exit_code after SIGTERM"
pass "SIGTERM (podman stop) right after $BURST UDP segments were accepted ($stored_before stored then): exit 0"

# A new container on the same volume.
podman rm "$name" >/dev/null
run_container
until_ok 60 healthy || fail "restarted container not healthy within 60 s"
summaries=$(summary_count)
[[ $summaries -eq $((BURST + 2)) ]] || fail "after restart: $summaries traces of $service, want $((BURST + 2))"
all_found "$udp_trace" "$tcp_trace" "${burst_ids[0]}" "${burst_ids[-1]}" ||
  fail "after restart: POST /Traces is missing some"
pass "a new container on volume $volume serves all $((BURST + 2)) traces: nothing lost"

podman stop -t 30 "$name" >/dev/null
[[ $(podman inspect --format '{{.State.ExitCode}}' "$name") == 0 ]] || fail "second stop: not exit 0"
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
echo "test-image: PASS ($IMAGE, $((size / 1000000)) MB)"
