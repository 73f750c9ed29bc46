package org.chat21.camel.bridges;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an operator reads before instantiating a Kamelet is its schema: every shipped Kamelet (kamelets/) has a
 * title and a description, and so has each of its properties, with a type; what it requires is among them, and
 * its file is named after it (the kamelet component finds it by that name).
 */
class KameletSchemasTest {
    @Test
    @SuppressWarnings("unchecked")
    void everyKameletDescribesItsProperties() throws Exception {
        List<Path> files;
        try (Stream<Path> listed = Files.list(Path.of("kamelets"))) {
            files = listed.filter(f -> f.toString().endsWith(".kamelet.yaml")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no Kamelets under kamelets/");
        for (Path file : files) {
            Map<String, Object> kamelet = (Map<String, Object>) new Load(LoadSettings.builder().build())
                    .loadFromString(Files.readString(file));
            String name = (String) ((Map<String, Object>) kamelet.get("metadata")).get("name");
            assertEquals(name + ".kamelet.yaml", file.getFileName().toString(), "file name of " + name);
            assertEquals("Kamelet", kamelet.get("kind"), file.toString());
            Map<String, Object> definition = (Map<String, Object>) ((Map<String, Object>) kamelet.get("spec")).get("definition");
            assertTrue(definition.get("title") instanceof String && definition.get("description") instanceof String,
                    name + ": title and description");
            Map<String, Map<String, Object>> properties = (Map<String, Map<String, Object>>) definition.get("properties");
            assertTrue(properties != null && !properties.isEmpty(), name + ": properties");
            properties.forEach((property, schema) -> {
                for (String field : List.of("title", "description", "type")) {
                    assertTrue(schema.get(field) instanceof String, name + "." + property + ": " + field);
                }
            });
            for (Object required : (List<Object>) definition.getOrDefault("required", List.of())) {
                assertTrue(properties.containsKey(required), name + " requires " + required + ", which it does not describe");
            }
        }
    }
}
