#!/usr/bin/env bash
# `make bench-compare`: the same `parley load` run against a release parleyd and against
# Debian's Janus (videoroom plugin over WebSocket, event_loops at its default and at 1),
# side by side. A measurement, not a test: it prints a table per N and exits 0 unless the
# benchmark itself broke (a server did not start, the load tool is missing).
#
# Everything runs inside a private network namespace (`unshare -n`) on one veth address:
# Janus never gathers ICE candidates on loopback interfaces, and this keeps all traffic on
# this machine without touching its real network. Each server is pinned to CPU 0, the load
# tool to CPU 1; runs are interleaved parleyd / Janus / Janus(event_loops=1), REPEAT times.
#
# Environment (all optional):
#   N="50 150 400"      subscriber counts (one publisher each run)
#   REPEAT=2            rounds of the interleaved runs
#   DURATION=20         seconds of each `parley load` run
#   ADDR=10.77.0.1      the namespace's address every server and the load tool use
#   BUILD_DIR=build/release-load   where parleyd and parley are built (RelWithDebInfo;
#                       relative to the repository or absolute)
#   SKIP_BUILD=1        use the binaries already in BUILD_DIR
#   SERVERS="parleyd janus janus-loop1"   which servers to run, in this order each round
#   LOAD_ARGS="…"       extra `parley load` options (e.g. "--video-codec h264")
#   PARLEYD_ARGS="…"    extra parleyd options
#   JANUS_DEBUG=3       Janus debug_level (4 is verbose)
#   JANUS_BITRATE=0     the room's publisher bitrate cap in bit/s (0: none)
#   JANUS_ICE_LITE=false  Janus's nat.ice_lite (true: it never controls ICE)
#   OUT=DIR             where reports and logs go (default build/bench-compare/<time>)
#   JOBS=2              build parallelism
#   CHECK=1             no load: start each server once, check that it answers (parleyd's
#                       /healthz, a Janus `create` over its WebSocket), stop it
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[[ -z "${OUT:-}" || "$OUT" == /* ]] || OUT="$PWD/$OUT"
cd "$REPO"

N_LIST=${N:-"50 150 400"}
REPEAT=${REPEAT:-2}
DURATION=${DURATION:-20}
ADDR=${ADDR:-10.77.0.1}
BUILD_DIR=${BUILD_DIR:-build/release-load}
[[ "$BUILD_DIR" == /* ]] || BUILD_DIR="$REPO/$BUILD_DIR"
SERVERS=${SERVERS:-"parleyd janus janus-loop1"}
LOAD_ARGS=${LOAD_ARGS:-}
JANUS_DEBUG=${JANUS_DEBUG:-3}
JANUS_BITRATE=${JANUS_BITRATE:-0}
JANUS_ICE_LITE=${JANUS_ICE_LITE:-false}
JOBS=${JOBS:-2}
OUT=${OUT:-$REPO/build/bench-compare/$(date -u +%Y%m%d-%H%M%S)}

PARLEYD_PORT=5080
PARLEYD_RTC_PORT=5090
JANUS_WS_PORT=8188
JANUS_ROOM=1234

say() { printf '[bench-compare] %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

# ---------------------------------------------------------------------------------------
# Outside the namespace: install Janus if missing, build, then re-run this script inside a
# fresh network namespace (the same process: unshare execs it).

if [[ "${BENCH_COMPARE_IN_NS:-}" != 1 ]]; then
  SUDO=()
  [[ $(id -u) == 0 ]] || SUDO=(sudo)
  if ! command -v janus >/dev/null 2>&1; then
    say "installing Debian's janus (apt-get)"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y janus >&2 ||
      die "could not install janus"
  fi
  targets=(parleyd parley)
  [[ "${CHECK:-}" == 1 ]] && targets=(parleyd)
  if [[ "${SKIP_BUILD:-}" != 1 ]]; then
    say "building release (RelWithDebInfo) ${targets[*]} in $BUILD_DIR"
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLEY_TESTS=OFF >/dev/null
    nice cmake --build "$BUILD_DIR" -j "$JOBS" --target "${targets[@]}"
  fi
  [[ -x "$BUILD_DIR/parleyd" ]] || die "no $BUILD_DIR/parleyd"
  if [[ "${CHECK:-}" != 1 ]]; then
    "$BUILD_DIR/parley" load --help >/dev/null 2>&1 ||
      die "$BUILD_DIR/parley has no working 'load' command"
  fi
  mkdir -p "$OUT"
  export BENCH_COMPARE_IN_NS=1 OUT
  if [[ $(id -u) == 0 ]]; then
    exec unshare -n -- "$0" "$@"
  else
    # An unprivileged user gets the namespace through a user namespace of its own.
    exec unshare -r -n -- "$0" "$@"
  fi
fi

# ---------------------------------------------------------------------------------------
# Inside the namespace.

PIDS=()  # servers and load tool still running, stopped by the trap

stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "pid $pid did not stop within 10 s of SIGTERM; killing it"
    # `timeout` passes SIGTERM on to the load tool but not SIGKILL: its child goes first.
    pkill -KILL -P "$pid" 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local i
  # Newest first: the load tool before the server it measures.
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}"; done
  PIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip link set lo up
ip link add pbc0 type veth peer name pbc1
ip addr add "$ADDR/24" dev pbc0
ip link set pbc0 up
ip link set pbc1 up
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

CPUS=$(nproc --all)
if ((CPUS >= 2)); then
  SERVER_CPU=(taskset -c 0)
  LOAD_CPU=(taskset -c 1)
else
  say "warning: one CPU only, nothing is pinned"
  SERVER_CPU=()
  LOAD_CPU=()
fi

PARLEYD="$BUILD_DIR/parleyd"
PARLEY="$BUILD_DIR/parley"
JANUS=$(command -v janus)
# Debian: /usr/lib/<triplet>/janus/{plugins,transports,events,loggers}.
JANUS_LIB=$(dirname "$(dirname "$(find /usr/lib /usr/local/lib /opt -name 'libjanus_videoroom.so' \
  -path '*/plugins/*' 2>/dev/null | head -n1)")")
[[ -f "$JANUS_LIB/plugins/libjanus_videoroom.so" ]] || die "janus videoroom plugin not found"

# Every library in `folder` except `keep`, comma-separated: Janus loads all it finds unless
# its section's `disable` names it.
disable_list() {
  local folder=$1 keep=$2 f names=()
  for f in "$JANUS_LIB/$folder"/libjanus_*.so; do
    [[ -e "$f" ]] || continue
    f=$(basename "$f")
    [[ "$f" == "$keep" ]] || names+=("$f")
  done
  (
    IFS=,
    echo "${names[*]}"
  )
}

# Renders tests/load/janus/*.jcfg into $1 for event_loops $2 ("" = Janus's default).
render_janus_config() {
  local dir=$1 loops=$2 f loops_line
  mkdir -p "$dir"
  if [[ -n "$loops" ]]; then
    loops_line="event_loops = $loops"
  else
    loops_line="# event_loops: Janus's default (one loop per handle)"
  fi
  for f in janus.jcfg janus.transport.websockets.jcfg janus.plugin.videoroom.jcfg; do
    sed -e "s|@CONFIG_DIR@|$dir|g" \
      -e "s|@LIB_DIR@|$JANUS_LIB|g" \
      -e "s|@DEBUG_LEVEL@|$JANUS_DEBUG|g" \
      -e "s|@EVENT_LOOPS_LINE@|$loops_line|g" \
      -e "s|@RTP_PORT_RANGE@|20000-40000|g" \
      -e "s|@ADDR@|$ADDR|g" \
      -e "s|@WS_PORT@|$JANUS_WS_PORT|g" \
      -e "s|@BITRATE@|$JANUS_BITRATE|g" \
      -e "s|@ICE_LITE@|$JANUS_ICE_LITE|g" \
      -e "s|@PLUGINS_DISABLE@|$(disable_list plugins libjanus_videoroom.so)|g" \
      -e "s|@TRANSPORTS_DISABLE@|$(disable_list transports libjanus_websockets.so)|g" \
      -e "s|@LOGGERS_DISABLE@|$(disable_list loggers none)|g" \
      -e "s|@EVENTS_DISABLE@|$(disable_list events none)|g" \
      "$REPO/tests/load/janus/$f" >"$dir/$f"
  done
}

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Waits until `check` succeeds while `pid` lives; 30 s at most.
wait_ready() {
  local pid=$1 what=$2 log=$3
  shift 3
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || {
      tail -n 30 "$log" >&2
      die "$what exited before it was ready (log: $log)"
    }
    if "$@"; then return 0; fi
    sleep 0.1
  done
  tail -n 30 "$log" >&2
  die "$what not ready after 30 s (log: $log)"
}

parleyd_healthy() { curl -fs -o /dev/null --max-time 2 "http://$ADDR:$PARLEYD_PORT/healthz"; }

SERVER_PID=
SERVER_ARGS=()  # the load tool's options that point it at the running server

# Flags the load must lift, each passed only when this parleyd lists it in --help.
parleyd_limit_args() {
  local n=$1 help
  help=$("$PARLEYD" --help 2>&1 || true)
  local -a want=(
    --max-connections "$((n + 100))"
    --max-streams "$((n + 100))"
    --max-tcp-connections 0
    --max-tcp-per-ip 0
    --join-timeout 120000
    --signaling-timeout 120000
  )
  local i
  for ((i = 0; i < ${#want[@]}; i += 2)); do
    if grep -qE "^\s*${want[i]}\s" <<<"$help"; then printf '%s\n%s\n' "${want[i]}" "${want[i + 1]}"; fi
  done
}

start_parleyd() {
  local n=$1 tag=$2 dir key secret
  dir="$OUT/$tag.data"
  rm -rf "$dir"
  mkdir -p "$dir"
  key=$((10000000 + RANDOM * 1000 + RANDOM % 1000))
  secret=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
  local -a limits
  mapfile -t limits < <(parleyd_limit_args "$n")
  local -a extra=()
  read -r -a extra <<<"${PARLEYD_ARGS:-}"
  "${SERVER_CPU[@]}" "$PARLEYD" --listen "$ADDR:$PARLEYD_PORT" --rtc-ip "$ADDR" \
    --rtc-port "$PARLEYD_RTC_PORT" --rtc-workers 1 --data-dir "$dir" \
    --api-key "$key" --api-secret "$secret" --log-level warn --no-demo "${limits[@]}" \
    "${extra[@]}" >"$OUT/$tag.server.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  wait_ready "$SERVER_PID" parleyd "$OUT/$tag.server.log" parleyd_healthy
  SERVER_ARGS=(--url "http://$ADDR:$PARLEYD_PORT" --api-key "$key" --api-secret "$secret")
}

start_janus() {
  local loops=$1 tag=$2 dir
  dir="$OUT/$tag.janus"
  rm -rf "$dir"
  render_janus_config "$dir" "$loops"
  "${SERVER_CPU[@]}" "$JANUS" -C "$dir/janus.jcfg" -F "$dir" >"$OUT/$tag.server.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  wait_ready "$SERVER_PID" janus "$OUT/$tag.server.log" tcp_open "$ADDR" "$JANUS_WS_PORT"
  SERVER_ARGS=(--janus "ws://$ADDR:$JANUS_WS_PORT" --janus-room "$JANUS_ROOM")
}

forget_pid() {
  local keep=() pid
  for pid in "${PIDS[@]}"; do [[ "$pid" == "$1" ]] || keep+=("$pid"); done
  PIDS=("${keep[@]+"${keep[@]}"}")
}

stop_server() {
  stop_pid "$SERVER_PID"
  forget_pid "$SERVER_PID"
  SERVER_PID=
}

run_one() {
  local server=$1 n=$2 round=$3 tag rc=0
  tag="$server-n$n-r$round"
  case "$server" in
    parleyd) start_parleyd "$n" "$tag" ;;
    janus) start_janus "" "$tag" ;;
    janus-loop1) start_janus 1 "$tag" ;;
    *) die "unknown server '$server' in SERVERS" ;;
  esac
  say "$tag: server pid $SERVER_PID, $n subscribers, ${DURATION}s"
  # In the background and waited for, so that a signal reaches the trap at once.
  # shellcheck disable=SC2086  # LOAD_ARGS is a list of options
  timeout -k 10 $((DURATION + 180)) "${LOAD_CPU[@]}" "$PARLEY" load "${SERVER_ARGS[@]}" \
    --publishers 1 --subscribers "$n" --duration "$DURATION" --server-pid "$SERVER_PID" \
    --local-ip "$ADDR" --json "$OUT/$tag.json" $LOAD_ARGS >"$OUT/$tag.load.txt" 2>&1 &
  local load_pid=$!
  PIDS+=("$load_pid")
  wait "$load_pid" || rc=$?
  forget_pid "$load_pid"
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then say "$tag: the server died during the run"; fi
  stop_server
  if ((rc != 0)); then
    say "$tag: parley load exited with $rc (see $OUT/$tag.load.txt)"
    tail -n 5 "$OUT/$tag.load.txt" >&2 || true
  fi
  [[ -d "$OUT/$tag.data" ]] && rm -rf "$OUT/$tag.data"
  return 0
}

# CHECK=1: Janus must answer a `create` on its WebSocket (subprotocol janus-protocol) with a
# session id. A bare WebSocket client: this Node has no WebSocket class of its own.
janus_answers_create() {
  node --input-type=module - "$ADDR" "$JANUS_WS_PORT" <<'EOF'
import net from 'node:net';
import crypto from 'node:crypto';
const [host, port] = process.argv.slice(2);
const socket = net.connect(+port, host);
const timer = setTimeout(() => { console.error('no answer'); process.exit(1); }, 5000);
let buffer = Buffer.alloc(0);
let upgraded = false;
socket.on('connect', () => {
  socket.write(`GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\n` +
    `Connection: Upgrade\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\n` +
    'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: janus-protocol\r\n\r\n');
});
socket.on('data', (data) => {
  buffer = Buffer.concat([buffer, data]);
  if (!upgraded) {
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    if (!/^HTTP\/1.1 101/.test(buffer.toString('latin1', 0, end))) process.exit(1);
    upgraded = true;
    buffer = buffer.subarray(end + 4);
    const payload = Buffer.from(JSON.stringify({ janus: 'create', transaction: 'check' }));
    const mask = crypto.randomBytes(4);
    const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
    socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
  }
  if (buffer.length < 2) return;
  let length = buffer[1] & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return;
    length = buffer.readUInt16BE(2);
    offset = 4;
  }
  if (buffer.length < offset + length) return;
  const answer = JSON.parse(buffer.toString('utf8', offset, offset + length));
  clearTimeout(timer);
  socket.destroy();
  console.log(`janus answered create: ${JSON.stringify(answer)}`);
  process.exit(answer.janus === 'success' && answer.data?.id ? 0 : 1);
});
socket.on('error', (err) => { console.error(err.message); process.exit(1); });
EOF
}

if [[ "${CHECK:-}" == 1 ]]; then
  say "CHECK=1: address $ADDR, output in $OUT"
  for server in $SERVERS; do
    case "$server" in
      parleyd) start_parleyd 10 check-parleyd ;;
      janus) start_janus "" check-janus ;;
      janus-loop1) start_janus 1 check-janus-loop1 ;;
      *) die "unknown server '$server' in SERVERS" ;;
    esac
    if [[ "$server" == parleyd ]]; then
      say "parleyd (pid $SERVER_PID) answers /healthz on $ADDR:$PARLEYD_PORT"
    else
      janus_answers_create >&2 || die "$server did not answer create (log: $OUT/check-$server.server.log)"
      say "$server (pid $SERVER_PID) answered a create on ws://$ADDR:$JANUS_WS_PORT"
    fi
    stop_server
  done
  exit 0
fi

say "namespace address $ADDR, N=\"$N_LIST\", REPEAT=$REPEAT, DURATION=${DURATION}s, output in $OUT"
for n in $N_LIST; do
  for ((round = 1; round <= REPEAT; round++)); do
    for server in $SERVERS; do run_one "$server" "$n" "$round"; done
  done
done

node "$REPO/tests/load/bench-compare.report.mjs" "$OUT" | tee "$OUT/summary.txt"
