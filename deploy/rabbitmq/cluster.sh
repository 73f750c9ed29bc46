#!/usr/bin/env bash
# A local three-node RabbitMQ cluster for trying and testing failover (a node killed or restarted, a quorum
# queue's leader moving), made of the machine's rabbitmq-server and configured for Chat21 clients as
# setup-local.sh configures the machine's broker. The machine's broker (5672) is left alone.
#
#   deploy/rabbitmq/cluster.sh start          # the three nodes, clustered; prints their addresses
#   deploy/rabbitmq/cluster.sh status         # which nodes run (exit 0 only when all three do)
#   deploy/rabbitmq/cluster.sh kill N         # kill -9 node N (1, 2 or 3), as a crash
#   deploy/rabbitmq/cluster.sh stop-node N    # stop node N gracefully
#   deploy/rabbitmq/cluster.sh start-node N   # node N again, with its data; returns once it is back in the cluster
#   deploy/rabbitmq/cluster.sh ctl N ARGS...  # rabbitmqctl ARGS against node N (e.g. list_queues name leader)
#   deploy/rabbitmq/cluster.sh stop           # the three nodes; their data kept for the next start
#   deploy/rabbitmq/cluster.sh clean          # kill the nodes, then remove CLUSTER_DIR
#
# CLUSTER_DIR  config, data and logs of the nodes (default /tmp/chat21-rabbitmq-cluster)
# BASE_PORT  node 1's AMQP port (default 5681); node N listens on BASE_PORT+N-1, guest/guest
# MQTT_PORT, WEB_MQTT_PORT, DIST_PORT  node 1's MQTT, Web-MQTT (ws://127.0.0.1:port/ws) and Erlang
#   distribution ports, node N's at +N-1. With the default BASE_PORT they are 1891, 15691 and 25681; with
#   another they are BASE_PORT+3, +6 and +9, so that a test needs one block of 12 free ports
# JWT_KEY  the secret Chat21 tokens are signed with (default tokenKey)
# The nodes are chat21-<BASE_PORT>-<N>@localhost, so that clusters of different BASE_PORT and CLUSTER_DIR
# run side by side. The first start records the ports and JWT_KEY in CLUSTER_DIR: later commands need only
# CLUSTER_DIR, and refuse other values.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin=/usr/lib/rabbitmq/bin   # the package's own scripts: /usr/sbin's wrappers switch user and pin the node name
dir="${CLUSTER_DIR:-/tmp/chat21-rabbitmq-cluster}"
state="$dir/cluster.env"
plugins="rabbitmq_mqtt,rabbitmq_web_mqtt,rabbitmq_auth_backend_oauth2"   # setup-local.sh's

die() { echo "cluster.sh: $*" >&2; exit 1; }
[ -x "$bin/rabbitmq-server" ] || die "$bin/rabbitmq-server not found: install Debian's rabbitmq-server"

# NAME DEFAULT: the value recorded at the first start, else the environment's, else the default
setting() {
  local recorded="" given="${!1:-}"
  [ -f "$state" ] && recorded="$(sed -n "s/^$1=//p" "$state")"
  if [ -n "$recorded" ] && [ -n "$given" ] && [ "$recorded" != "$given" ]; then
    die "$dir was started with $1=$recorded, not $given: use another CLUSTER_DIR, or clean this one"
  fi
  printf '%s' "${recorded:-${given:-$2}}"
}
base="$(setting BASE_PORT 5681)"
if [ "$base" = 5681 ]; then dm=1891 dw=15691 dd=25681; else dm=$((base + 3)) dw=$((base + 6)) dd=$((base + 9)); fi
mqtt="$(setting MQTT_PORT $dm)"
web="$(setting WEB_MQTT_PORT $dw)"
dist="$(setting DIST_PORT $dd)"
jwt_key="$(setting JWT_KEY tokenKey)"
case "$jwt_key" in
  *'"'*|*\\*|*'>'*|*'<'*|*/*|*'&'*) die "JWT_KEY must not contain quotes, backslashes, slashes, & or angle brackets" ;;
esac

name() { echo "chat21-$base-$1@localhost"; }
ndir() { echo "$dir/node$1"; }
node_arg() {
  case "${1:-}" in 1|2|3) ;; *) die "which node? 1, 2 or 3" ;; esac
}

# runs a command of the package for node N: every call, server or CLI, sees the same node, ports, files and
# Erlang cookie (HOME), so that rabbitmqctl reaches the node and the nodes reach each other
as_node() {
  local n=$1 d; d="$(ndir "$1")"; shift
  env HOME="$dir/home" \
    RABBITMQ_CONF_ENV_FILE="$d/rabbitmq-env.conf" \
    RABBITMQ_NODENAME="$(name "$n")" \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT=$((base + n - 1)) \
    RABBITMQ_DIST_PORT=$((dist + n - 1)) \
    RABBITMQ_BASE="$d" \
    RABBITMQ_MNESIA_BASE="$d/data" \
    RABBITMQ_LOG_BASE="$d/log" \
    RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$d/advanced.config" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins" \
    RABBITMQ_PID_FILE="$d/pid" \
    "$@"
}
ctl() { local n=$1; shift; as_node "$n" "$bin/rabbitmqctl" -n "$(name "$n")" "$@"; }

# node N's Erlang pid, if it runs: the pid file, checked against the process's environment (a pid is reused)
pid_of() {
  local f p; f="$(ndir "$1")/pid"
  [ -s "$f" ] || return 1
  p="$(cat "$f")"
  tr '\0' '\n' 2>/dev/null < "/proc/$p/environ" | grep -qx "RABBITMQ_NODENAME=$(name "$1")" || return 1
  echo "$p"
}
running() { pid_of "$1" >/dev/null; }
live_count() { local c=0 i; for i in 1 2 3; do running "$i" && c=$((c + 1)); done; echo "$c"; }

prepare() {
  mkdir -p "$dir/home"
  if [ ! -f "$state" ]; then
    printf 'BASE_PORT=%s\nMQTT_PORT=%s\nWEB_MQTT_PORT=%s\nDIST_PORT=%s\nJWT_KEY=%s\n' \
      "$base" "$mqtt" "$web" "$dist" "$jwt_key" > "$state"
  fi
  # one cookie of its own for the three nodes and their rabbitmqctl calls, not the machine broker's
  local cookie="$dir/home/.erlang.cookie"
  if [ ! -s "$cookie" ]; then
    od -An -tx1 -N16 /dev/urandom | tr -d ' \n' > "$cookie"
    chmod 400 "$cookie"
  fi
  # the ports below replace these lines: without them a node would take the machine broker's MQTT ports
  if ! grep -q '^mqtt.listeners.tcp.default = ' "$here/rabbitmq.conf" || ! grep -q '^web_mqtt.tcp.port = ' "$here/rabbitmq.conf"; then
    die "$here/rabbitmq.conf no longer sets mqtt.listeners.tcp.default and web_mqtt.tcp.port: update cluster.sh"
  fi
  local n d
  for n in 1 2 3; do
    d="$(ndir "$n")"
    mkdir -p "$d/data" "$d/log"
    {
      echo "# written by cluster.sh: this node's ports and the cluster, then deploy/rabbitmq/rabbitmq.conf"
      echo "listeners.tcp.local = 127.0.0.1:$((base + n - 1))"
      echo "loopback_users = none"
      # pause_minority: a node that finds itself on the smaller side of a partition stops serving, so clients
      # move to the majority instead of writing to both sides (autoheal would then throw one side's writes
      # away). With three nodes one node down still leaves a majority that serves.
      echo "cluster_partition_handling = pause_minority"
      # node 1 is the seed, which forms the cluster: fresh nodes 2 and 3 find it and join it (start launches
      # them once node 1 runs). Node 1 looks for no peer: that search would only cost it 5 s of retries on a
      # fresh start. A node with data rejoins its cluster by itself, whatever this says.
      if [ "$n" != 1 ]; then
        echo "cluster_formation.peer_discovery_backend = classic_config"
        echo "cluster_formation.classic_config.nodes.1 = $(name 1)"
      fi
      sed -e "s/^mqtt.listeners.tcp.default = .*/mqtt.listeners.tcp.default = 127.0.0.1:$((mqtt + n - 1))/" \
          -e "s/^web_mqtt.tcp.port = .*/web_mqtt.tcp.port = $((web + n - 1))/" "$here/rabbitmq.conf"
      echo "web_mqtt.tcp.ip = 127.0.0.1"
    } > "$d/rabbitmq.conf"
    sed "s/<<\"tokenKey\">>/<<\"$jwt_key\">>/" "$here/advanced.config" > "$d/advanced.config"
    echo "[$plugins]." > "$d/enabled_plugins"
    # epmd and the Erlang distribution on loopback only, as the machine's broker has them
    # (/etc/rabbitmq/rabbitmq-env.conf, which these nodes do not read)
    printf '%s\n' 'ERL_EPMD_ADDRESS=127.0.0.1' \
      'SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"' > "$d/rabbitmq-env.conf"
  done
}

launch() {
  local d p; d="$(ndir "$1")"
  # a port held by someone else would make the node fail, or its AMQP port look up when it is not
  for p in $((base + $1 - 1)) $((mqtt + $1 - 1)) $((web + $1 - 1)) $((dist + $1 - 1)); do
    if (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null; then die "port $p is taken: node $1 needs it"; fi
  done
  rm -f "$d/pid"
  # setsid and output to a file: the node outlives this script, and neither a Ctrl-C in the caller's
  # terminal nor a caller that reads this script's output to its end (a test) waits on or reaches it
  as_node "$1" setsid "$bin/rabbitmq-server" >> "$d/out.log" 2>&1 < /dev/null &
}

# until node N's broker takes AMQP connections, which it opens last, once booted. A node with data boots
# only once it has synced with the running members of its cluster, so this also waits for its rejoin.
# (A port costs nothing to poll; each rabbitmqctl call costs a second of CPU.)
await_node() {
  local d deadline=$((SECONDS + 300)); d="$(ndir "$1")"
  until (exec 3<> "/dev/tcp/127.0.0.1/$((base + $1 - 1))") 2> /dev/null; do
    if [ "$SECONDS" -ge "$deadline" ] || { [ -s "$d/pid" ] && ! running "$1"; }; then
      tail -n 30 "$d/out.log" "$d/log/$(name "$1").log" >&2 2> /dev/null || true
      die "node $1 ($(name "$1")) did not start: see $d/out.log and $d/log/"
    fi
    sleep 0.2
  done
}

# until node N sees as many running members as there are live nodes
await_cluster() {
  local want; want="$(live_count)"
  ctl "$1" -q await_online_nodes "$want" --timeout 120 > /dev/null \
    || die "node $1 does not see $want running nodes: $(ctl "$1" -q cluster_status 2>&1 | tr '\n' ' ')"
}

summary() {
  local n
  for n in 1 2 3; do
    printf 'node %s %-26s amqp://guest:guest@127.0.0.1:%s  mqtt 127.0.0.1:%s  ws://127.0.0.1:%s/ws\n' \
      "$n" "$(name "$n")" $((base + n - 1)) $((mqtt + n - 1)) $((web + n - 1))
  done
  echo "addresses 127.0.0.1:$base,127.0.0.1:$((base + 1)),127.0.0.1:$((base + 2))"
}

cmd_start() {
  local n first="" todo=() rest
  for n in 1 2 3; do running "$n" || todo+=("$n"); done
  if [ "${#todo[@]}" = 0 ]; then
    echo "already running (CLUSTER_DIR=$dir)"; summary; return 0
  fi
  prepare
  # One node boots alone first, fully up, when it can: on a fresh cluster node 1, so that the others find it
  # and join it instead of each forming a cluster of its own (and nodes that join it while it boots stall
  # its MQTT plugin for 100 s: seen here); after `stop`, the node that stopped last (see cmd_stop). Other
  # nodes with data start together: each waits for the peers it last saw running.
  if [ ! -d "$(ndir 1)/data/$(name 1)" ]; then first=1; else first="$(cat "$dir/stopped-last" 2> /dev/null || true)"; fi
  if [ -n "$first" ] && ! running "$first"; then
    launch "$first"; await_node "$first"
    rest=(); for n in "${todo[@]}"; do [ "$n" = "$first" ] || rest+=("$n"); done; todo=("${rest[@]}")
  fi
  rm -f "$dir/stopped-last"
  for n in "${todo[@]}"; do launch "$n"; done
  for n in "${todo[@]}"; do await_node "$n"; done
  await_cluster 1
  echo "RabbitMQ cluster of 3 running in ${SECONDS}s (CLUSTER_DIR=$dir)"
  summary
}

cmd_start_node() {
  node_arg "${1:-}"
  if running "$1"; then echo "node $1 is already running"; return 0; fi
  [ -f "$state" ] || die "no cluster in $dir: run start first"
  launch "$1"; await_node "$1"; await_cluster "$1"
  echo "node $1 back in the cluster in ${SECONDS}s"
}

cmd_stop_node() {
  node_arg "${1:-}"
  local p
  if ! p="$(pid_of "$1")"; then echo "node $1 is not running"; return 0; fi
  if ! as_node "$1" timeout 90 "$bin/rabbitmqctl" -n "$(name "$1")" -q stop "$(ndir "$1")/pid" > /dev/null 2>&1; then
    echo "node $1 did not stop within 90 s: killing it" >&2
    kill -9 "$p" 2>/dev/null || true
  fi
  while kill -0 "$p" 2>/dev/null; do sleep 0.2; done
  echo "node $1 stopped"
}

cmd_kill() {
  node_arg "${1:-}"
  local p
  if ! p="$(pid_of "$1")"; then echo "node $1 is not running"; return 0; fi
  kill -9 "$p"
  while kill -0 "$p" 2>/dev/null; do sleep 0.1; done
  echo "node $1 killed (pid $p)"
}

# RabbitMQ 3.10's MQTT plugin tracks client IDs in a Raft cluster of its own, which a restart of all nodes
# deadlocks for 100 s: each node asks a peer's member, restarted but without a leader, for the members
# before it restarts its own. So the others leave that Raft cluster, stop, and the last node stops last:
# start boots it first, alone, the MQTT leader at once, and the others join it afresh. (Mnesia, too, lets
# the node that stopped last start first.) A node killed or stopped alone keeps its membership: on its
# restart it finds the others' leader.
cmd_stop() {
  local n last="" others=()
  for n in 1 2 3; do
    if [ -z "$last" ] && running "$n"; then last=$n; else others+=("$n"); fi
  done
  if [ -z "$last" ]; then echo "no node runs (CLUSTER_DIR=$dir)"; return 0; fi
  for n in "${others[@]}"; do
    # a node that is down cannot leave (seen here); the next start usually copes
    if ! ctl "$last" -q -t 30 decommission_mqtt_node "$(name "$n")" > /dev/null 2>&1 && running "$n"; then
      echo "node $n did not leave the MQTT plugin's Raft cluster: the next start may take 100 s more" >&2
    fi
  done
  for n in "${others[@]}"; do cmd_stop_node "$n" & done
  wait
  cmd_stop_node "$last"
  echo "$last" > "$dir/stopped-last"
}

# kill -9 every node, then remove CLUSTER_DIR: its data goes, no need to stop gracefully
cmd_clean() {
  local n
  if [ -e "$dir" ] && [ ! -f "$state" ]; then die "$dir holds no cluster.env: not removing it"; fi
  for n in 1 2 3; do cmd_kill "$n" > /dev/null; done
  rm -rf "$dir"
  echo "removed $dir"
}

cmd_status() {
  local n p all=0
  for n in 1 2 3; do
    if p="$(pid_of "$n")"; then echo "node $n $(name "$n") running (pid $p)"
    else echo "node $n $(name "$n") stopped"; all=3; fi
  done
  for n in 1 2 3; do
    if running "$n"; then
      echo "running members, as node $n sees them: $(ctl "$n" -q eval 'lists:sort(rabbit_nodes:all_running()).' 2>&1 | tr -d '\n')"
      break
    fi
  done
  return "$all"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  clean) cmd_clean ;;
  status) cmd_status ;;
  kill) cmd_kill "$@" ;;
  start-node) cmd_start_node "$@" ;;
  stop-node) cmd_stop_node "$@" ;;
  ctl) node_arg "${1:-}"; n=$1; shift; ctl "$n" "$@" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed -n 's/^# \{0,1\}//p' >&2; exit 2 ;;
esac
