#!/usr/bin/env bash
# Configures the local RabbitMQ for Chat21 clients, idempotently: MQTT and Web-MQTT plugins, the OAuth2
# backend that accepts Chat21 JWTs, the listeners. Restarts RabbitMQ only when something changed.
# guest/guest on AMQP keeps working (the internal backend is still consulted, after OAuth2).
#
#   sudo deploy/rabbitmq/setup-local.sh            # defaults below
#   JWT_KEY=... MQTT_PORT=1883 BIND=0.0.0.0 sudo deploy/rabbitmq/setup-local.sh
#
# JWT_KEY  the secret Chat21 tokens are signed with (default tokenKey, Chat21's default)
# MQTT_PORT  MQTT over TCP (default 1884: on these machines Mosquitto holds 1883)
# WEB_MQTT_PORT  MQTT over WebSocket, path /ws (default 15675)
# BIND  the address the MQTT TCP listener binds (default 127.0.0.1; Web-MQTT binds every interface)
# RABBITMQ_CONF_DIR  where RabbitMQ reads its configuration (default /etc/rabbitmq)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
conf_dir="${RABBITMQ_CONF_DIR:-/etc/rabbitmq}"
jwt_key="${JWT_KEY:-tokenKey}"
mqtt_port="${MQTT_PORT:-1884}"
web_port="${WEB_MQTT_PORT:-15675}"
bind="${BIND:-127.0.0.1}"
plugins=(rabbitmq_mqtt rabbitmq_web_mqtt rabbitmq_auth_backend_oauth2)
begin="# >>> chat21-camel (deploy/rabbitmq/setup-local.sh)"
end="# <<< chat21-camel"
changed=0

case "$jwt_key" in
  *'"'*|*'\'*|*'>'*|*'<'*) echo "JWT_KEY must not contain quotes, backslashes or angle brackets" >&2; exit 2 ;;
esac
mkdir -p "$conf_dir"

# 1. rabbitmq.conf: our block between marker lines, the operator's lines kept
block="$(mktemp)"; trap 'rm -f "$block" "$block.new"' EXIT
{
  echo "$begin"
  sed -e "s/^mqtt.listeners.tcp.default = .*/mqtt.listeners.tcp.default = $bind:$mqtt_port/" \
      -e "s/^web_mqtt.tcp.port = .*/web_mqtt.tcp.port = $web_port/" "$here/rabbitmq.conf"
  echo "$end"
} > "$block"
conf="$conf_dir/rabbitmq.conf"
touch "$conf"
# the file without our old block, then our block
awk -v b="$begin" -v e="$end" '$0==b{skip=1} !skip{print} $0==e{skip=0}' "$conf" > "$block.new"
cat "$block" >> "$block.new"
if ! cmp -s "$block.new" "$conf"; then
  cp "$block.new" "$conf"; changed=1; echo "rabbitmq.conf updated"
fi

# 2. advanced.config: ours, or refuse to overwrite someone else's
adv="$conf_dir/advanced.config"
wanted="$(sed "s/<<\"tokenKey\">>/<<\"$jwt_key\">>/" "$here/advanced.config")"
if [ -s "$adv" ] && ! grep -q '^%% chat21-camel' "$adv"; then
  echo "$adv exists and is not chat21-camel's: merge $here/advanced.config into it by hand" >&2
  exit 1
fi
if [ "$(cat "$adv" 2>/dev/null)" != "$wanted" ]; then
  printf '%s\n' "$wanted" > "$adv"; changed=1; echo "advanced.config updated"
fi

# 3. plugins, written to the enabled_plugins file without a running node
enabled="$(rabbitmq-plugins list -e -m 2>/dev/null || true)"
for p in "${plugins[@]}"; do
  if ! grep -qx "$p" <<<"$enabled"; then
    rabbitmq-plugins enable --offline "${plugins[@]}" >/dev/null
    changed=1; echo "plugins enabled: ${plugins[*]}"
    break
  fi
done

amqp_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
web_up() { (exec 3<>"/dev/tcp/${bind/0.0.0.0/127.0.0.1}/$web_port") 2>/dev/null; }

# 4. restart when something changed, or start when down
if [ "$changed" = 1 ] || ! amqp_up || ! web_up; then
  if amqp_up; then
    echo "restarting RabbitMQ"
    rabbitmqctl stop >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do amqp_up || break; sleep 1; done
  fi
  rabbitmq-server -detached >/dev/null 2>&1 || true
fi
for _ in $(seq 1 120); do
  amqp_up && web_up && break
  sleep 1
done
timeout 60 rabbitmq-diagnostics -q check_running >/dev/null 2>&1 || sleep 3
if ! amqp_up || ! web_up; then
  echo "RabbitMQ is not listening on 5672 and $web_port; see /var/log/rabbitmq" >&2
  exit 1
fi
echo "RabbitMQ ready: AMQP 5672, MQTT $bind:$mqtt_port, Web-MQTT ws://$bind:$web_port/ws"
