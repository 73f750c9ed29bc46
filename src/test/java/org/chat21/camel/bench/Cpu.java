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

    /**
     * CPU ticks per process role (service, store, broker, loadgen; roles starting with {@code also:} are the
     * benchmark's other processes, counted only to tell them from the rest of the machine), and the host's
     * {busy, total} jiffies.
     */
    record Sample(Map<String, Long> ticks, long hostBusy, long hostTotal, long nanos) {
    }

    /**
     * CPU milliseconds per role over a window, how busy the host was (% of all cores), and how much of that
     * was none of the benchmark's processes (the {@code others} role: whatever else runs on the machine).
     */
    record Usage(Map<String, Double> ms, double hostBusyPct, double othersPct, double seconds) {
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
        Long service = pids.get("service");
        if (service != null) {
            // inside "service": reported apart, not added to the sum
            jvmThreadTicks(service).forEach((part, t) -> ticks.put("part:service " + part, t));
        }
        long[] host = hostTicks();
        return new Sample(ticks, host[0], host[1], System.nanoTime());
    }

    /**
     * Roles starting with {@code also:} are summed into "ours" but not reported one by one; roles starting with
     * {@code part:} are reported but not summed (they are inside another role).
     */
    static Usage between(Sample a, Sample b) {
        Map<String, Double> ms = new LinkedHashMap<>();
        long oursTicks = 0;
        for (Map.Entry<String, Long> e : a.ticks().entrySet()) {
            Long t1 = b.ticks().get(e.getKey());
            long t0 = e.getValue();
            boolean known = t0 >= 0 && t1 != null && t1 >= 0;
            if (known && !e.getKey().startsWith("part:")) {
                oursTicks += t1 - t0;
            }
            if (!e.getKey().startsWith("also:")) {
                ms.put(e.getKey(), known ? (t1 - t0) * 1000.0 / TICKS_PER_SECOND : Double.NaN);
            }
        }
        long total = b.hostTotal() - a.hostTotal();
        long busyTicks = b.hostBusy() - a.hostBusy();
        double busy = total <= 0 ? Double.NaN : 100.0 * busyTicks / total;
        // /proc/stat counts jiffies of every core; process ticks are in the same unit (USER_HZ)
        double others = total <= 0 ? Double.NaN : Math.max(0, 100.0 * (busyTicks - oursTicks) / total);
        return new Usage(ms, busy, others, (b.nanos() - a.nanos()) / 1e9);
    }

    /** utime + stime of a process, in ticks; -1 if it is gone. */
    static long processTicks(long pid) {
        return ticks(Path.of("/proc/" + pid + "/stat"));
    }

    /**
     * The part of a JVM's CPU spent by its JIT compilers ({@code jit}: threads "C1/C2 CompilerThread") and
     * its garbage collector ({@code gc}: "GC Thread", "G1 ..."), in ticks, from its threads' stat files.
     * Compiler threads that the JVM retired since the window began take their ticks with them.
     */
    static Map<String, Long> jvmThreadTicks(long pid) {
        long jit = 0;
        long gc = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                String comm;
                try {
                    comm = Files.readString(task.resolve("comm")).trim();
                } catch (IOException e) {
                    continue;
                }
                boolean isJit = comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler");
                boolean isGc = comm.startsWith("GC Thread") || comm.startsWith("G1 ");
                if (isJit || isGc) {
                    long t = Math.max(0, ticks(task.resolve("stat")));
                    if (isJit) {
                        jit += t;
                    } else {
                        gc += t;
                    }
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        return Map.of("jit", jit, "gc", gc);
    }

    private static long ticks(Path statFile) {
        try {
            String stat = Files.readString(statFile);
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
