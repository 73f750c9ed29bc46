package org.chat21.camel.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Who sends what, shared by the load generator and the raw limit so both produce the same traffic: direct
 * messages go round 100 pairs ({@code s<i>} to {@code r<i>}), group messages round 20 groups of 10
 * ({@code grp<g>}, members {@code g<g>m<m>}, every member sending in turn). The text of message
 * {@code seq} of a step is {@code <marker>-<seq>}: that is how a copy seen on {@code amq.topic} is matched
 * with the moment its message was due.
 */
final class Workload {
    static final int PAIRS = 100;
    static final int GROUPS = 20;
    static final int GROUP_SIZE = 10;
    private static final byte[] TEXT_FIELD = "\"text\":\"".getBytes(StandardCharsets.US_ASCII);

    private Workload() {
    }

    static boolean isGroup(String kind) {
        return "group".equals(kind);
    }

    /** Copies a subscriber sees per message: the recipient's, or every member's (the group's own timeline is not watched). */
    static int observedPerMessage(String kind) {
        return isGroup(kind) ? GROUP_SIZE : 1;
    }

    /** Copies stored per message: sender and recipient, or every member and the group's timeline. */
    static int storedPerMessage(String kind) {
        return isGroup(kind) ? GROUP_SIZE + 1 : 2;
    }

    static String sender(String kind, int seq) {
        return isGroup(kind) ? member(seq % GROUPS, seq / GROUPS % GROUP_SIZE) : "s" + seq % PAIRS;
    }

    static String recipient(String kind, int seq) {
        return isGroup(kind) ? groupId(seq % GROUPS) : "r" + seq % PAIRS;
    }

    static String member(int group, int member) {
        return "g" + group + "m" + member;
    }

    static String groupId(int group) {
        return "grp" + group;
    }

    static String text(String marker, int seq) {
        return marker + "-" + seq;
    }

    /** The subscriber's bindings on amq.topic: every direct recipient's and every group member's timeline. */
    static List<String> bindings(String app) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < PAIRS; i++) {
            keys.add("apps." + app + ".users.r" + i + ".#");
        }
        for (int g = 0; g < GROUPS; g++) {
            for (int m = 0; m < GROUP_SIZE; m++) {
                keys.add("apps." + app + ".users." + member(g, m) + ".#");
            }
        }
        return keys;
    }

    /**
     * The sequence number in a copy's JSON whose text is {@code <marker>-<seq>}, or -1 (another step's
     * copy, a group's info message). Scans the bytes: no JSON parsing on the subscriber's thread.
     */
    static int seq(byte[] body, byte[] markerDash) {
        int at = indexOf(body, TEXT_FIELD, 0);
        if (at < 0) {
            return -1;
        }
        int p = at + TEXT_FIELD.length;
        for (byte b : markerDash) {
            if (p >= body.length || body[p++] != b) {
                return -1;
            }
        }
        int seq = 0;
        int digits = 0;
        for (; p < body.length && body[p] >= '0' && body[p] <= '9'; p++, digits++) {
            seq = seq * 10 + (body[p] - '0');
        }
        return digits > 0 && p < body.length && body[p] == '"' ? seq : -1;
    }

    private static int indexOf(byte[] data, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
