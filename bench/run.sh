#!/usr/bin/env bash
# Benchmark of chat21-camel designs against the raw limit (src/test/java/org/chat21/camel/bench, Runner):
# every process in a JVM of its own (store stand-in, service under test, load generator, raw limit) and
# the machine's RabbitMQ at 127.0.0.1:5672. Extra -D arguments are passed on, e.g.
#   bench/run.sh -Dbench.designs=base=/tmp/base,new=.     (checkouts with a built target/chat21-camel.jar)
#   bench/run.sh -Dbench.phases=direct,raw -Dbench.seconds=30 -Dbench.probeSeconds=10 -Dbench.warmupSeconds=60
#   bench/run.sh -Dbench.cpuRate=1000 -Dbench.idleSeconds=60 -Dbench.maxMinutes=35
# Without -Dbench.designs the design measured is this checkout, built first.
set -euo pipefail
cd "$(dirname "$0")/.."
# the load generator's pool keeps its connections idle between phases (a minute or more): the services
# measured must not close them as idle meanwhile (api.SlowClients' default is 60 s)
export HTTP_IDLE_TIMEOUT_SECONDS="${HTTP_IDLE_TIMEOUT_SECONDS:-600}"

designs=no
for arg in "$@"; do
  [[ "$arg" == -Dbench.designs=* ]] && designs=yes
done
if [[ $designs == no ]]; then
  ./mvnw -q -B -DskipTests package
else
  ./mvnw -q -B test-compile
fi
./mvnw -q -B dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
exec java -Xmx512m -cp "target/classes:target/test-classes:$(cat target/bench.cp)" "$@" org.chat21.camel.bench.Runner
