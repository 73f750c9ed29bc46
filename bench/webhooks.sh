#!/usr/bin/env bash
# Benchmark of webhook delivery (issue 23; src/test/java/org/chat21/camel/bench/WebhookBench): this checkout's
# packaged service and a store stand-in, each in a JVM of its own, the machine's RabbitMQ at 127.0.0.1:5672, the
# receivers in the benchmark's JVM. Extra -D arguments are passed on, e.g.
#   bench/webhooks.sh -Dbench.phases=isolation -Dbench.rate=100 -Dbench.seconds=10
#   bench/webhooks.sh -Dbench.phases=throughput -Dbench.events=20000 -Dbench.latencyMs=200
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -DskipTests package
./mvnw -q -B dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
exec java -Xmx512m -cp "target/classes:target/test-classes:$(cat target/bench.cp)" "$@" org.chat21.camel.bench.WebhookBench
