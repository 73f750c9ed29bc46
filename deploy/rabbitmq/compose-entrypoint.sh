#!/bin/sh
# docker-compose.yml's RabbitMQ: installs advanced.config with $JWT_KEY as the signing key (as setup-local.sh
# does on a machine), then runs the image's own entrypoint.
set -eu
key="${JWT_KEY:-tokenKey}"
case "$key" in
  *'"'*|*'\'*|*'>'*|*'<'*|*'|'*|*'&'*) echo "JWT_KEY must not contain quotes, backslashes, angle brackets, | or &" >&2; exit 2 ;;
esac
sed "s|<<\"tokenKey\">>|<<\"$key\">>|" /chat21/advanced.config > /etc/rabbitmq/advanced.config
exec docker-entrypoint.sh "$@"
