# chat21-camel container: routes/ and application.properties sit beside the jar in /app, so operators
# can mount their own (-v ./routes:/app/routes) and change flows without rebuilding.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml application.properties ./
RUN ./mvnw -q -B dependency:go-offline
COPY src src
RUN ./mvnw -q -B package -DskipTests

FROM eclipse-temurin:17-jre
WORKDIR /app
RUN useradd --system --uid 10001 chat21 && mkdir -p /app/data && chown chat21 /app/data
COPY --from=build /src/target/lib /app/lib
COPY --from=build /src/target/chat21-camel.jar /app/chat21-camel.jar
COPY routes /app/routes
COPY application.properties /app/application.properties
USER chat21
# Set MONGODB_URI and RABBITMQ_URI in production; without them the embedded stand-ins run (data in /app/data).
ENV PORT=8004
EXPOSE 8004 9876
VOLUME /app/data
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/chat21-camel.jar"]
