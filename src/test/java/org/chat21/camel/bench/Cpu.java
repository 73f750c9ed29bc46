package org.chat21.camel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * CPU time from /proc: each process's utime + stime ({@code /proc/<pid>/stat}, in clock ticks of
 * {@code getconf CLK_TCK}) and the whole host's busy share ({@code /proc/stat}). A {@link Sample} is
 * taken at both ends of a measured window; {@link #between} gives milliseconds of CPU per process.
 */
final class Cpu {
    static final long TICKS_PER_SECOND = clockTicks();

    /** CPU ticks per process role (service, store, broker, loadgen), and the host's {busy, total} jiffies. */
    record Sample(Map<String, Long> ticks, long hostBusy, long hostTotal, long nanos) {
    }

    /** CPU milliseconds per role over a window, and how busy the host was (% of all cores). */
    record Usage(Map<String, Double> ms, double hostBusyPct, double seconds) {
        double perMessage(String role, long messages) {
            Double v = ms.get(role);
            return v == null || messages <= 0 ? Double.NaN : v / messages;
        }
    }

    private Cpu() {
    }

    static Sample sample(Map<String, Long> pids) {
        Map<String, Long> ticks = new LinkedHashMap<>();
        pids.forEach((role, pid) -> ticks.put(role, processTicks(pid)));
        long[] host = hostTicks();
        return new Sample(ticks, host[0], host[1], System.nanoTime());
    }

    static Usage between(Sample a, Sample b) {
        Map<String, Double> ms = new LinkedHashMap<>();
        a.ticks().forEach((role, t0) -> {
            Long t1 = b.ticks().get(role);
            ms.put(role, t0 < 0 || t1 == null || t1 < 0 ? Double.NaN : (t1 - t0) * 1000.0 / TICKS_PER_SECOND);
        });
        long total = b.hostTotal() - a.hostTotal();
        double busy = total <= 0 ? Double.NaN : 100.0 * (b.hostBusy() - a.hostBusy()) / total;
        return new Usage(ms, busy, (b.nanos() - a.nanos()) / 1e9);
    }

    /** utime + stime of a process, in ticks; -1 if it is gone. */
    static long processTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // the command name (field 2) may hold spaces: count fields after its closing parenthesis
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of proc(5)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** {busy, total} jiffies over all cores (idle and iowait are not busy). */
    static long[] hostTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                total += Long.parseLong(f[i]);
            }
            return new long[] {total - Long.parseLong(f[4]) - Long.parseLong(f[5]), total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** The RabbitMQ node on this machine ({@code beam.smp}), if there is exactly one to see. */
    static Optional<Long> brokerPid() {
        try (var dirs = Files.list(Path.of("/proc"))) {
            return dirs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> {
                        try {
                            return Files.readString(p.resolve("comm")).trim().equals("beam.smp");
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .map(p -> Long.parseLong(p.getFileName().toString()))
                    .reduce((x, y) -> -1L)
                    .filter(pid -> pid > 0);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return Long.parseLong(out);
        } catch (Exception e) {
            return 100;
        }
    }
}
