# chat21-camel container. routes/, kamelets/ (the bridges) and application.properties sit beside the jar in /app,
# so operators mount their own (-v ./routes:/app/routes) and change flows without rebuilding (docker-compose.yml
# does).
#
# Base images are pinned to one Temurin release, the JDK to build and the JRE to run. To move them, change
# both tags to the same newer release (tags "17.0.<update>_<build>-jdk-noble" / "-jre-noble" on Docker Hub's
# eclipse-temurin page), rebuild, and run the tests.
#
# The production image leaves the embedded stand-ins out (mongo-java-server, H2, Qpid Broker-J and what only
# they need: deploy/standins.txt), so MONGODB_URI and RABBITMQ_URI are required: without them the service
# exits 1 with one line saying so. A demo image that keeps them (data under /app/data):
#   docker build --build-arg STANDINS=true -t chat21-camel:demo .
FROM eclipse-temurin:17.0.17_10-jdk-noble AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml application.properties ./
RUN ./mvnw -q -B dependency:go-offline
COPY src src
RUN ./mvnw -q -B package -DskipTests
COPY deploy/standins.txt deploy/standins.txt
ARG STANDINS=false
# the jar and its lib/ (the jar's manifest lists lib/*.jar; a missing one is skipped by the JVM)
RUN mkdir -p /out && cp -r target/lib target/chat21-camel.jar /out/ \
 && if [ "$STANDINS" != "true" ]; then \
      grep -v -e '^#' -e '^$' deploy/standins.txt | while read -r pattern; do rm -f /out/lib/$pattern; done; \
    fi

FROM eclipse-temurin:17.0.17_10-jre-noble
WORKDIR /app
RUN useradd --system --uid 10001 chat21 && mkdir -p /app/data && chown chat21 /app/data
COPY --from=build /out/lib /app/lib
COPY --from=build /out/chat21-camel.jar /app/chat21-camel.jar
COPY routes /app/routes
COPY kamelets /app/kamelets
COPY application.properties /app/application.properties
USER chat21
ENV PORT=8004 MANAGEMENT_PORT=9876 JAVA_OPTS="-XX:MaxRAMPercentage=75"
EXPOSE 8004 9876
# ready = MongoDB and RabbitMQ reachable, the routes started and the warm-up done (WARMUP, up to a minute).
# The JRE image is not guaranteed to carry curl or wget, so the probe is a small class of the jar
# (org.chat21.camel.operations.HealthProbe).
HEALTHCHECK --interval=15s --timeout=10s --start-period=120s --retries=3 \
  CMD ["java", "-Xmx16m", "-XX:TieredStopAtLevel=1", "-cp", "/app/chat21-camel.jar", "org.chat21.camel.operations.HealthProbe"]
# JAVA_OPTS: JVM options (heap, GC, -D overrides of application.properties); arguments go to the service
# (e.g. migrate-indexes)
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/chat21-camel.jar \"$@\"", "chat21-camel"]
