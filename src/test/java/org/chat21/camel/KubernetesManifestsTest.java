package org.chat21.camel;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.chat21.camel.DeployFilesTest.REPO;
import static org.chat21.camel.DeployFilesTest.assertPinned;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * deploy/kubernetes/*.yaml, read as files (no cluster here) against what the service and the other deploy files
 * say: the health paths and ports of application.properties, the Dockerfile's working directory and user, the
 * settings' variables, the graceful stop's timeouts, deploy/rabbitmq/'s configuration and the compose images.
 */
class KubernetesManifestsTest {
    static final Path DIR = REPO.resolve("deploy/kubernetes");
    /** The plugins the RabbitMQ Cluster Operator enables itself (RabbitmqClusterSpec.rabbitmq.additionalPlugins). */
    static final Set<String> OPERATOR_PLUGINS = Set.of("rabbitmq_management", "rabbitmq_prometheus",
            "rabbitmq_peer_discovery_k8s");
    static final Pattern ENV_DEFAULT = Pattern.compile("\\{\\{env:([A-Z0-9_]+):([^}]*)}}");
    static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z0-9_]+)\\)");

    record Document(Path file, Map<String, Object> object) {
        String kind() {
            return String.valueOf(object.get("kind"));
        }

        String name() {
            return String.valueOf(map(object.get("metadata")).get("name"));
        }
    }

    static List<Document> documents() throws Exception {
        List<Path> files;
        try (Stream<Path> list = Files.list(DIR)) {
            files = list.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        List<Document> documents = new ArrayList<>();
        for (Path file : files) {
            for (Object object : new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(file))) {
                assertNotNull(object, file.getFileName() + ": an empty document");
                documents.add(new Document(file, map(object)));
            }
        }
        return documents;
    }

    static Map<String, Object> find(String kind, String name) throws Exception {
        return documents().stream().filter(d -> d.kind().equals(kind) && d.name().equals(name)).findFirst()
                .map(Document::object).orElseGet(() -> fail(kind + " " + name + " in deploy/kubernetes/"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        assertTrue(value instanceof Map, "a mapping: " + value);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value) {
        assertTrue(value instanceof List, "a sequence: " + value);
        return (List<Object>) value;
    }

    /** The value at path (keys of nested mappings), or null. */
    static Object at(Object root, String... path) {
        Object value = root;
        for (String key : path) {
            if (!(value instanceof Map<?, ?> m)) {
                return null;
            }
            value = m.get(key);
        }
        return value;
    }

    static Properties properties() throws Exception {
        Properties properties = new Properties();
        properties.load(new StringReader(Files.readString(REPO.resolve("application.properties"))));
        return properties;
    }

    /** A setting's value without a variable: {{env:NAME:default}} gives its default. */
    static String setting(String key) throws Exception {
        String value = properties().getProperty(key);
        assertNotNull(value, key + " in application.properties");
        Matcher env = ENV_DEFAULT.matcher(value);
        return env.matches() ? env.group(2) : value;
    }

    /** A setting as this container gets it: its variable when the Deployment sets it, else the default. */
    static String setting(Map<String, Object> container, String key) throws Exception {
        Matcher env = ENV_DEFAULT.matcher(properties().getProperty(key, ""));
        if (env.matches() && env(container).containsKey(env.group(1))) {
            return String.valueOf(map(env(container).get(env.group(1))).get("value"));
        }
        return setting(key);
    }

    static Map<String, Object> deployment() throws Exception {
        return find("Deployment", "chat21-camel");
    }

    static Map<String, Object> podSpec() throws Exception {
        return map(at(deployment(), "spec", "template", "spec"));
    }

    static Map<String, Object> container() throws Exception {
        List<Object> containers = list(podSpec().get("containers"));
        assertEquals(1, containers.size(), "one container");
        return map(containers.get(0));
    }

    /** The container's env by name, in order. */
    static Map<String, Object> env(Map<String, Object> container) {
        Map<String, Object> env = new LinkedHashMap<>();
        for (Object entry : list(container.get("env"))) {
            assertNull(env.put(String.valueOf(map(entry).get("name")), entry), "set once: " + entry);
        }
        return env;
    }

    static String value(String name) throws Exception {
        Object value = at(env(container()).get(name), "value");
        assertNotNull(value, name + " has a value");
        return String.valueOf(value);
    }

    static Map<String, Object> secretRef(String name) throws Exception {
        return map(at(env(container()).get(name), "valueFrom", "secretKeyRef"));
    }

    /** A probe's or Service's port (number or container port name) as a number. */
    static int containerPort(Object port) throws Exception {
        for (Object p : list(container().get("ports"))) {
            if (String.valueOf(map(p).get("name")).equals(String.valueOf(port))
                    || String.valueOf(map(p).get("containerPort")).equals(String.valueOf(port))) {
                return ((Number) map(p).get("containerPort")).intValue();
            }
        }
        return fail("no container port " + port);
    }

    static String dockerfileWorkdir() throws Exception {
        Matcher workdir = Pattern.compile("(?m)^WORKDIR\\s+(\\S+)$").matcher(DeployFilesTest.dockerfile());
        String last = null;
        while (workdir.find()) {
            last = workdir.group(1);
        }
        assertNotNull(last, "WORKDIR in the Dockerfile");
        return last;
    }

    static String readme() throws Exception {
        return Files.readString(DIR.resolve("README.md"));
    }

    /** key = value lines of a rabbitmq.conf-style text. */
    static Map<String, String> conf(String text) {
        Map<String, String> conf = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            line = line.trim();
            if (!line.isEmpty() && !line.startsWith("#")) {
                int eq = line.indexOf('=');
                assertTrue(eq > 0, "key = value: " + line);
                conf.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return conf;
    }

    static void assertSubset(Object selector, Map<String, Object> labels, String what) {
        Map<String, Object> wanted = map(selector);
        assertFalse(wanted.isEmpty(), what + " selects something");
        wanted.forEach((k, v) -> assertEquals(v, labels.get(k), what + " selects the pods by " + k));
    }

    @Test
    void everyDocumentIsANamedObjectOfNoFixedNamespace() throws Exception {
        List<Document> documents = documents();
        Set<String> seen = new HashSet<>();
        for (Document d : documents) {
            String where = DIR.relativize(d.file()) + " " + d.kind();
            assertTrue(String.valueOf(d.object().get("apiVersion")).matches("[a-z0-9.]*/?v\\d+\\w*"), where + " apiVersion");
            assertTrue(d.kind().matches("[A-Z]\\w+"), where + " kind");
            assertTrue(d.name().matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"), where + " metadata.name: " + d.name());
            assertNull(at(d.object(), "metadata", "namespace"), where + ": applied to the current namespace");
            assertTrue(seen.add(d.kind() + "/" + d.name()), "one " + d.kind() + " " + d.name());
        }
        assertEquals(Set.of("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "RabbitmqCluster"),
                documents.stream().map(Document::kind).collect(Collectors.toSet()));
    }

    @Test
    void theProbesAskTheManagementPortForTheServicesHealthPaths() throws Exception {
        Map<String, Object> container = container();
        // camel-platform-http-main serves <health-path>/live and <health-path>/ready on the management port
        String health = setting("camel.management.health-path");
        String live = health + "/live";
        String ready = health + "/ready";
        int management = Integer.parseInt(setting(container, "camel.management.port"));
        assertNotEquals(live, ready);

        Map<String, Object> readiness = map(container.get("readinessProbe"));
        Map<String, Object> liveness = map(container.get("livenessProbe"));
        Map<String, Object> startup = map(container.get("startupProbe"));
        assertEquals(ready, at(readiness, "httpGet", "path"), "readiness: MongoDB, RabbitMQ and the routes");
        assertEquals(live, at(liveness, "httpGet", "path"), "liveness: the process only, not its dependencies");
        assertEquals(live, at(startup, "httpGet", "path"));
        for (Map<String, Object> probe : List.of(readiness, liveness, startup)) {
            assertEquals(management, containerPort(at(probe, "httpGet", "port")), probe.toString());
        }
        // the JVM's start is the startup probe's: liveness must not count it
        int startupBudget = ((Number) startup.get("periodSeconds")).intValue() * ((Number) startup.get("failureThreshold")).intValue();
        assertTrue(startupBudget >= 60, "a minute to start: " + startupBudget);

        assertEquals(Integer.parseInt(setting(container, "camel.server.port")), containerPort("http"));
        assertEquals(management, containerPort("management"));
        Map<String, Object> annotations = map(at(deployment(), "spec", "template", "metadata", "annotations"));
        assertEquals(setting("camel.metrics.path"), annotations.get("prometheus.io/path"));
        assertEquals(String.valueOf(management), annotations.get("prometheus.io/port"));
    }

    @Test
    void imagesArePinnedAsInCompose() throws Exception {
        String image = String.valueOf(container().get("image"));
        assertPinned(image);
        assertSameRelease(DeployFilesTest.image("chat21-camel"), image);

        String rabbit = String.valueOf(at(find("RabbitmqCluster", rabbitName()), "spec", "image"));
        assertPinned(rabbit);
        assertSameRelease(DeployFilesTest.image("rabbitmq"), rabbit);
    }

    /** The compose image, or the same name and tag in a registry of yours (REGISTRY/chat21-camel:0.1.0). */
    static void assertSameRelease(String compose, String image) {
        assertTrue(image.equals(compose) || image.endsWith("/" + compose), image + " is not " + compose);
    }

    @Test
    void everyVariableIsOneTheServiceOrTheImageReads() throws Exception {
        String properties = Files.readString(REPO.resolve("application.properties"));
        Map<String, Object> env = env(container());
        List<String> names = new ArrayList<>(env.keySet());
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            Object value = map(env.get(name)).get("value");
            // Kubernetes expands $(NAME) only for a variable defined above
            Matcher reference = REFERENCE.matcher(value == null ? "" : String.valueOf(value));
            while (reference.find()) {
                assertTrue(names.subList(0, i).contains(reference.group(1)), name + " uses $(" + reference.group(1) + ") before it is set");
            }
            boolean setting = properties.contains("{{env:" + name + ":") || properties.contains("{{env:" + name + "}}");
            boolean image = name.equals("JAVA_OPTS") && DeployFilesTest.dockerfile().contains("exec java $JAVA_OPTS ");
            boolean part = names.subList(i + 1, names.size()).stream()
                    .anyMatch(later -> String.valueOf(map(env.get(later)).get("value")).contains("$(" + name + ")"));
            assertTrue(setting || image || part, name + " is no {{env:" + name + "}} of application.properties, "
                    + "nor read by the image, nor part of another variable (a typo?)");
        }
        for (String required : List.of("MONGODB_URI", "RABBITMQ_URI", "JWT_KEY", "RABBITMQ_ADDRESSES", "RABBITMQ_QUEUE_TYPE")) {
            assertTrue(env.containsKey(required), required);
        }
        assertEquals("quorum", value("RABBITMQ_QUEUE_TYPE"), "queues that survive a node (3 RabbitMQ nodes)");
        assertTrue(value("JAVA_OPTS").contains("-XX:MaxRAMPercentage="), "the heap follows the memory limit");

        // the Secrets of our own are made as the README says; the RabbitMQ one is the operator's
        assertEquals(Map.of("name", "chat21-camel-mongodb", "key", "uri"), secretRef("MONGODB_URI"));
        assertEquals(Map.of("name", "chat21-camel-jwt", "key", "key"), secretRef("JWT_KEY"));
        String readme = readme();
        for (String name : List.of("MONGODB_URI", "JWT_KEY")) {
            Map<String, Object> ref = secretRef(name);
            assertTrue(Pattern.compile("kubectl create secret generic " + ref.get("name") + "\\s+(\\\\\\n\\s*)?--from-literal="
                    + ref.get("key") + "=").matcher(readme).find(), "README creates " + ref);
        }
        assertTrue(readme.contains("replicaSet=") && readme.contains("w=majority"), "the MongoDB URI of a replica set");
    }

    @Test
    void theConfigMapsAreMountedWhereTheServiceReadsThem() throws Exception {
        String workdir = dockerfileWorkdir();
        Map<String, Object> container = container();
        // routes/ and application.properties are read from the working directory (CHAT21_HOME's default)
        assertTrue(properties().getProperty("camel.main.routes-include-pattern").startsWith("file:{{env:CHAT21_HOME:.}}/routes/"));
        assertFalse(env(container).containsKey("CHAT21_HOME"));
        assertTrue(container.get("workingDir") == null || workdir.equals(container.get("workingDir")));

        Map<String, Map<String, Object>> volumes = new LinkedHashMap<>();
        list(podSpec().get("volumes")).forEach(v -> volumes.put(String.valueOf(map(v).get("name")), map(v)));
        Map<String, Map<String, Object>> mounts = new LinkedHashMap<>();
        list(container.get("volumeMounts")).forEach(m -> mounts.put(String.valueOf(map(m).get("mountPath")), map(m)));

        Map<String, Object> routes = mounts.get(workdir + "/routes");
        assertNotNull(routes, "routes/ mounted in " + workdir + ": " + mounts.keySet());
        String routesMap = String.valueOf(at(volumes.get(String.valueOf(routes.get("name"))), "configMap", "name"));
        Map<String, Object> config = mounts.get(workdir + "/application.properties");
        assertNotNull(config, "application.properties mounted in " + workdir);
        assertEquals("application.properties", config.get("subPath"), "one file, beside routes/");
        String configMap = String.valueOf(at(volumes.get(String.valueOf(config.get("name"))), "configMap", "name"));
        assertEquals(true, routes.get("readOnly"));
        assertEquals(true, config.get("readOnly"));

        // made from the checkout's files, as the README says
        String readme = readme();
        assertTrue(readme.contains("kubectl create configmap " + routesMap + " --from-file=routes/ "), routesMap);
        assertTrue(readme.contains("kubectl create configmap " + configMap + " --from-file=application.properties "), configMap);
        long bytes;
        try (Stream<Path> files = Files.list(REPO.resolve("routes"))) {
            bytes = files.mapToLong(f -> f.toFile().length()).sum();
        }
        assertTrue(bytes < 900 * 1024, "routes/ fits a ConfigMap (1 MiB): " + bytes);

        // read-only root: what the service writes goes to /tmp (java.io.tmpdir), an emptyDir
        assertEquals(true, at(container, "securityContext", "readOnlyRootFilesystem"));
        assertNotNull(at(volumes.get(String.valueOf(mounts.get("/tmp").get("name"))), "emptyDir"), "/tmp is an emptyDir");
        assertEquals(false, at(container, "securityContext", "allowPrivilegeEscalation"));
        assertEquals(true, at(podSpec(), "securityContext", "runAsNonRoot"));
        Matcher uid = Pattern.compile("useradd [^\\n]*--uid (\\d+) chat21").matcher(DeployFilesTest.dockerfile());
        assertTrue(uid.find(), "the image's user");
        assertEquals(Integer.parseInt(uid.group(1)), at(podSpec(), "securityContext", "runAsUser"));
        assertEquals(false, podSpec().get("automountServiceAccountToken"));
    }

    @Test
    void theServiceBudgetAndAutoscalerAreTheDeployments() throws Exception {
        Map<String, Object> deployment = deployment();
        Map<String, Object> labels = map(at(deployment, "spec", "template", "metadata", "labels"));
        assertSubset(at(deployment, "spec", "selector", "matchLabels"), labels, "the Deployment");
        int replicas = ((Number) at(deployment, "spec", "replicas")).intValue();
        assertEquals(3, replicas);
        assertEquals(0, at(deployment, "spec", "strategy", "rollingUpdate", "maxUnavailable"), "rollouts keep capacity");
        assertEquals(1, at(deployment, "spec", "strategy", "rollingUpdate", "maxSurge"));
        for (Object spread : list(podSpec().get("topologySpreadConstraints"))) {
            assertSubset(at(spread, "labelSelector", "matchLabels"), labels, "the spread constraint");
        }
        assertTrue(list(podSpec().get("topologySpreadConstraints")).stream()
                .anyMatch(s -> "kubernetes.io/hostname".equals(at(s, "topologyKey"))
                        && "DoNotSchedule".equals(at(s, "whenUnsatisfiable"))), "spread over nodes");

        Map<String, Object> service = find("Service", "chat21-camel");
        assertSubset(at(service, "spec", "selector"), labels, "the Service");
        Set<Integer> targets = new HashSet<>();
        for (Object port : list(at(service, "spec", "ports"))) {
            targets.add(containerPort(at(port, "targetPort")));
        }
        assertEquals(Set.of(containerPort("http"), containerPort("management")), targets, "the API and the metrics");

        Map<String, Object> pdb = find("PodDisruptionBudget", "chat21-camel");
        assertSubset(at(pdb, "spec", "selector", "matchLabels"), labels, "the PodDisruptionBudget");
        Object maxUnavailable = at(pdb, "spec", "maxUnavailable");
        Object minAvailable = at(pdb, "spec", "minAvailable");
        assertTrue(maxUnavailable == null ^ minAvailable == null, "one of maxUnavailable, minAvailable");
        int disruptible = maxUnavailable != null ? ((Number) maxUnavailable).intValue()
                : replicas - ((Number) minAvailable).intValue();
        assertTrue(disruptible >= 1 && disruptible < replicas, "a drain can proceed and leaves pods serving: " + disruptible);

        Map<String, Object> hpa = find("HorizontalPodAutoscaler", "chat21-camel");
        assertEquals("autoscaling/v2", hpa.get("apiVersion"));
        assertEquals(Map.of("apiVersion", "apps/v1", "kind", "Deployment", "name", "chat21-camel"),
                at(hpa, "spec", "scaleTargetRef"));
        int min = ((Number) at(hpa, "spec", "minReplicas")).intValue();
        int max = ((Number) at(hpa, "spec", "maxReplicas")).intValue();
        assertTrue(min == replicas && max > min, min + ".." + max);
        Object metric = list(at(hpa, "spec", "metrics")).get(0);
        assertEquals("cpu", at(metric, "resource", "name"));
        assertEquals(70, at(metric, "resource", "target", "averageUtilization"));
        assertNotNull(at(map(container().get("resources")), "requests", "cpu"), "utilization is of the CPU requested");
        assertTrue(((Number) at(hpa, "spec", "behavior", "scaleDown", "stabilizationWindowSeconds")).intValue() >= 60);
    }

    @Test
    void theGracePeriodOutlastsTheGracefulStop() throws Exception {
        Object preStop = at(container(), "lifecycle", "preStop");
        List<String> command = DeployFilesTest.strings(at(preStop, "exec", "command"));
        assertEquals(2, command.size(), command.toString());
        assertEquals("sleep", command.get(0), "the endpoints drop the pod before SIGTERM");
        int sleep = Integer.parseInt(command.get(1));
        assertTrue(sleep >= 3, "a few seconds: " + sleep);
        // after SIGTERM: the requests in flight, then the queued deliveries (each up to drain-ms), then Camel's stop
        double drain = Integer.parseInt(setting("chat21.shutdown.drain-ms")) / 1000.0;
        int camel = Integer.parseInt(setting("camel.main.shutdown-timeout"));
        int grace = ((Number) podSpec().get("terminationGracePeriodSeconds")).intValue();
        assertTrue(grace > sleep + 2 * drain + camel, "terminationGracePeriodSeconds " + grace + " <= " + sleep
                + " + 2 x " + drain + " + " + camel);
    }

    static String rabbitName() throws Exception {
        List<Document> clusters = documents().stream().filter(d -> d.kind().equals("RabbitmqCluster")).toList();
        assertEquals(1, clusters.size());
        return clusters.get(0).name();
    }

    @Test
    void rabbitMqIsConfiguredAsDeployRabbitmqAndTheServiceUsesIt() throws Exception {
        String name = rabbitName();
        Map<String, Object> cluster = find("RabbitmqCluster", name);
        assertEquals("rabbitmq.com/v1beta1", cluster.get("apiVersion"));
        int replicas = ((Number) at(cluster, "spec", "replicas")).intValue();
        assertEquals(3, replicas);

        // the plugins of deploy/rabbitmq/enabled_plugins, with the operator's own
        List<String> plugins = DeployFilesTest.strings(at(cluster, "spec", "rabbitmq", "additionalPlugins"));
        assertTrue(plugins.containsAll(List.of("rabbitmq_mqtt", "rabbitmq_web_mqtt", "rabbitmq_auth_backend_oauth2")), plugins.toString());
        String enabled = Files.readString(REPO.resolve("deploy/rabbitmq/enabled_plugins")).trim();
        Set<String> all = new HashSet<>(plugins);
        all.addAll(OPERATOR_PLUGINS);
        for (String plugin : enabled.substring(1, enabled.length() - 2).split("\\s*,\\s*")) {
            assertTrue(all.contains(plugin), plugin + " of enabled_plugins");
        }

        // every key of rabbitmq.conf, with its value, or compose.conf's where that one overrides it (MQTT on 1883)
        String additional = String.valueOf(at(cluster, "spec", "rabbitmq", "additionalConfig"));
        assertTrue(additional.length() <= 2000, "the CRD's limit: " + additional.length());
        Map<String, String> config = conf(additional);
        Map<String, String> compose = conf(Files.readString(REPO.resolve("deploy/rabbitmq/compose.conf")));
        conf(Files.readString(REPO.resolve("deploy/rabbitmq/rabbitmq.conf"))).forEach((key, value) -> {
            assertTrue(config.containsKey(key), key + " of deploy/rabbitmq/rabbitmq.conf is missing in rabbitmq.yaml");
            assertEquals(compose.getOrDefault(key, value), config.get(key), key);
        });

        // advanced.config as it is, less its comments; the key placeholder is what the README replaces
        String advanced = Files.readString(REPO.resolve("deploy/rabbitmq/advanced.config")).lines()
                .filter(l -> !l.startsWith("%%")).collect(Collectors.joining("\n")).trim();
        assertEquals(advanced, String.valueOf(at(cluster, "spec", "rabbitmq", "advancedConfig")).trim());
        assertTrue(advanced.contains("<<\"tokenKey\">>"));
        assertTrue(readme().contains("sed \"s|<<\\\"tokenKey\\\">>|<<\\\"$JWT_KEY\\\">>|\" deploy/kubernetes/rabbitmq.yaml | kubectl apply -f -"),
                "README applies rabbitmq.yaml with the JWT key");

        // the service logs in with the operator's default user and knows every node
        assertEquals(name + "-default-user", secretRef("RABBITMQ_USER").get("name"));
        assertEquals("username", secretRef("RABBITMQ_USER").get("key"));
        assertEquals(name + "-default-user", secretRef("RABBITMQ_PASSWORD").get("name"));
        assertEquals("password", secretRef("RABBITMQ_PASSWORD").get("key"));
        assertEquals(name + "-default-user", secretRef("RABBITMQ_HOST").get("name"));
        assertEquals("host", secretRef("RABBITMQ_HOST").get("key"));
        assertEquals("amqp://$(RABBITMQ_USER):$(RABBITMQ_PASSWORD)@$(RABBITMQ_HOST):5672", value("RABBITMQ_URI"));
        assertEquals("metadata.namespace", at(env(container()).get("POD_NAMESPACE"), "valueFrom", "fieldRef", "fieldPath"));
        assertEquals(IntStream.range(0, replicas).mapToObj(i -> name + "-server-" + i + "." + name + "-nodes.$(POD_NAMESPACE):5672")
                .collect(Collectors.joining(",")), value("RABBITMQ_ADDRESSES"), "one address per node (the operator's pod names)");

        // the clients' side: MQTT and Web-MQTT on the listeners configured, nothing else exposed
        Map<String, Object> mqtt = find("Service", name + "-mqtt");
        assertEquals("LoadBalancer", at(mqtt, "spec", "type"));
        assertEquals(Map.of("app.kubernetes.io/name", name), at(mqtt, "spec", "selector"), "the operator's pod label");
        Map<Object, Object> ports = new LinkedHashMap<>();
        list(at(mqtt, "spec", "ports")).forEach(p -> ports.put(at(p, "port"), at(p, "targetPort")));
        assertEquals(Map.of(1883, Integer.parseInt(config.get("mqtt.listeners.tcp.default")),
                15675, Integer.parseInt(config.get("web_mqtt.tcp.port"))), ports, "MQTT and Web-MQTT only, not AMQP or management");
    }
}
