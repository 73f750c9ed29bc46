package org.chat21.camel.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.PrintStream;
import java.util.Map;

/**
 * The benchmark's processes talk in JSON lines: the runner writes one command per line to a child's
 * standard input, the child answers with one event per line (a JSON object) on its standard output.
 * Anything else a child prints is a log line.
 */
final class Lines {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private Lines() {
    }

    static Map<String, Object> read(String line) {
        try {
            return JSON.readValue(line, MAP);
        } catch (Exception e) {
            throw new IllegalArgumentException("not a JSON object: " + line, e);
        }
    }

    static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** One event on standard output, whole (several threads may emit). */
    static void emit(PrintStream out, Map<String, Object> event) {
        String line = write(event);
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    static long num(Map<String, Object> m, String key, long fallback) {
        return m.get(key) instanceof Number n ? n.longValue() : fallback;
    }

    static double dbl(Map<String, Object> m, String key) {
        return m.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    static String str(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? null : String.valueOf(v);
    }
}
