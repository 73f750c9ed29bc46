package org.chat21.camel.bridges;

import org.chat21.camel.common.Ids;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** How the users of another chat system become Chat21 users in a bridge. Pure. */
public final class BridgeUsers {
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9_\\-]");
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7e]{1,128}");
    private static final int MAX_NAME = 256;

    /** A Chat21 user: id and full name. */
    public record Mapped(String id, String fullname) {
    }

    private BridgeUsers() {
    }

    /**
     * {@code <external id>=<chat21 id>[/<full name>]}, comma-separated (blank = none); the full name defaults
     * to the id. A Chat21 id that could not be routed stops the bridge from being created.
     */
    public static Map<String, Mapped> parse(String users) {
        Map<String, Mapped> mapped = new LinkedHashMap<>();
        if (users == null || users.isBlank()) {
            return Map.of();
        }
        for (String entry : users.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("bridge user mapping '" + entry.trim()
                        + "' is not <external id>=<chat21 id>[/<full name>]");
            }
            String external = entry.substring(0, eq).trim();
            String rest = entry.substring(eq + 1).trim();
            int slash = rest.indexOf('/');
            String id = (slash < 0 ? rest : rest.substring(0, slash)).trim();
            String name = slash < 0 ? id : rest.substring(slash + 1).trim();
            mapped.put(external, new Mapped(Ids.require("bridge user id", id), name.isEmpty() ? id : name));
        }
        return Map.copyOf(mapped);
    }

    /**
     * An unmapped user: {@code <prefix><external id>} with the characters a Chat21 id may not have replaced by
     * {@code _} (a long one cut to fit), named as the other system names them, else by their id.
     */
    public static Mapped unmapped(String prefix, String externalId, String externalName) {
        String id = (prefix == null ? "" : prefix) + UNSAFE.matcher(externalId).replaceAll("_");
        if (id.length() > Ids.MAX_LENGTH) {
            id = id.substring(0, Ids.MAX_LENGTH);
        }
        String name = externalName == null || externalName.isBlank() ? id : externalName.trim();
        if (name.length() > MAX_NAME) {
            name = name.substring(0, MAX_NAME);
        }
        return new Mapped(Ids.require("bridge user id", id), name);
    }

    /** The Idempotency-Key of an external message: its id when it fits a key, else a hash of it. */
    public static String idempotencyKey(String bridgeId, String externalMessageId) {
        String key = "bridge:" + bridgeId + ":" + externalMessageId;
        if (KEY.matcher(key).matches()) {
            return key;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "bridge:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
