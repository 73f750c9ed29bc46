#!/usr/bin/env bash
# Load benchmark of chat21-camel (src/test/java/org/chat21/camel/Benchmark.java) against the machine's
# RabbitMQ at 127.0.0.1:5672 and an in-process MongoDB-wire store. Extra -D arguments are passed on, e.g.
#   bench/run.sh -Dbench.seconds=10 -Dbench.directRate=1000 -Dbench.groupRate=200 -Dbench.connections=1,8,64
#   bench/run.sh -Dbench.phases=direct        (only some phases: closed, direct, group)
#   bench/run.sh -Dbench.set.chat21.delivery.consumers=8      (any service property override)
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -q -B test-compile
./mvnw -q -B dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
# service logs at WARN so the tables stay readable; LOG_LEVEL=INFO bench/run.sh shows everything
export LOG_LEVEL="${LOG_LEVEL:-WARN}"
exec java -Xms1g -Xmx4g -cp "target/classes:target/test-classes:$(cat target/bench.cp)" "$@" org.chat21.camel.Benchmark
