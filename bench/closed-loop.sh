#!/usr/bin/env bash
# Closed-loop send rate: wrk keeps C connections busy, each POSTing a direct message as soon as the last one
# was answered (the accepted-messages figure of issue 7, against the design before it). Each design runs as
# its own jar (cwd = its checkout, so its routes and properties) against a fresh mongo-java-server process
# and the machine's RabbitMQ; designs alternate, ROUNDS times.
#   bench/closed-loop.sh old=/tmp/old new=.            (each checkout needs target/chat21-camel.jar)
#   CONNS=1 WARMUP=40 SECONDS=30 ROUNDS=2 bench/closed-loop.sh ...
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS="${CONNS:-1}"; WARMUP="${WARMUP:-40}"; SECONDS_="${SECONDS:-30}"; ROUNDS="${ROUNDS:-2}"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 2; }
./mvnw -q -B test-compile
./mvnw -q -B dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
CP="$PWD/target/classes:$PWD/target/test-classes:$(cat target/bench.cp)"
tick=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
token() {
  python3 - "$1" "$2" <<'PY'
import base64, hashlib, hmac, json, sys
b = lambda x: base64.urlsafe_b64encode(x).rstrip(b'=').decode()
h = b(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
p = b(json.dumps({"sub": sys.argv[1], "app_id": sys.argv[2], "tiledesk_api_roles": "user", "iat": 1639214418,
                  "exp": 1950254418}).encode())
print(h + "." + p + "." + b(hmac.new(b"tokenKey", (h + "." + p).encode(), hashlib.sha256).digest()))
PY
}

run_one() {  # name checkout round
  local name=$1 checkout=$2 round=$3 run app port store_port store_pid svc_pid log
  run="cl$(date +%s%N | tail -c 7)"; app="app$run"; port=$(free_port); log="target/closed-$run-$name.log"
  coproc STORE { exec java -Xmx2g -cp "$CP" org.chat21.camel.bench.StoreProcess; }
  store_pid=$STORE_PID
  read -r line <&"${STORE[0]}"
  store_port=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["port"])' "$line")
  (cd "$checkout" && exec env MONGODB_URI="mongodb://127.0.0.1:$store_port/chatdb" \
      RABBITMQ_URI=amqp://guest:guest@127.0.0.1:5672 PORT="$port" LOG_LEVEL=WARN \
      java -Dchat21.exchange.direct="$run.direct" -Dchat21.queue.direct="$run.direct" \
           -Dchat21.exchange.group="$run.group" -Dchat21.queue.group="$run.group" \
           -Dchat21.exchange.group-changes="$run.group-changes" -Dchat21.observer.app="$app" \
           -Dchat21.observer.queue-prefix="$run.observer" -jar target/chat21-camel.jar) > "$log" 2>&1 &
  svc_pid=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.5; done
  cat > "target/closed-$run.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "JWT $(token alice "$app")"
wrk.body = '{"sender_fullname":"Alice","recipient_id":"bob","recipient_fullname":"Bob","text":"closed loop"}'
LUA
  local url="http://127.0.0.1:$port/api/$app/messages"
  wrk -t1 -c"$CONNS" -d"${WARMUP}s" -s "target/closed-$run.lua" "$url" >/dev/null
  local before; before=$(cpu_ticks "$svc_pid")
  local out; out=$(wrk -t1 -c"$CONNS" -d"${SECONDS_}s" --latency -s "target/closed-$run.lua" "$url")
  local after; after=$(cpu_ticks "$svc_pid")
  local rps p50 p99 total errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out"); p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  total=$(awk '/requests in/ {print $1}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $5}' <<<"$out"); errors=${errors:-0}
  local ms_per_msg; ms_per_msg=$(python3 -c "print(round(($after-$before)*1000/$tick/max(1,$total),3))")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$round" "$name" "$CONNS" "$rps" "$p50" "$p99" "$errors" "$ms_per_msg"
  kill "$svc_pid" 2>/dev/null; wait "$svc_pid" 2>/dev/null || true
  kill "$store_pid" 2>/dev/null; wait "$store_pid" 2>/dev/null || true
  for q in "$run.direct" "$run.group" "$run.observer.messages" "$run.observer.receipts" "$run.observer.conversations" \
           "$run.observer.archives" "$run.observer.presence"; do rabbitmqctl -q delete_queue "$q" >/dev/null 2>&1 || true; done
  rm -f "target/closed-$run.lua"
}

echo "| round | design | connections | accepted msg/s | p50 | p99 | non-2xx | service CPU ms/msg |"
echo "|---|---|---|---|---|---|---|---|"
for round in $(seq 1 "$ROUNDS"); do
  for spec in "$@"; do
    run_one "${spec%%=*}" "$(cd "${spec#*=}" && pwd)" "$round"
  done
done
