package org.chat21.camel.bench;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The markdown tables printed at the end of a run and written to {@code target/bench-<timestamp>.md}. */
final class Report {
    private static final List<String> ROLES = List.of("service", "store", "broker", "loadgen");

    private Report() {
    }

    static String markdown(Runner runner, Map<String, Path> designs, Map<String, Map<String, Runner.Search>> searches,
                           List<Runner.Step> idle, List<Runner.Step> cpu) {
        StringBuilder md = new StringBuilder();
        md.append("# chat21-camel benchmark ").append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")))
                .append(" (run ").append(runner.runId()).append(")\n\n");
        md.append(String.format(Locale.ROOT, "%d cores, clock tick %d/s. Steps: probes %d s (rates x2 from %d msg/s, then halving "
                        + "the gap to %.2f), the rate found confirmed over %d s; drain %d s; warm-up %d-%d s up to %d msg/s, until "
                        + "the JIT uses < %.0f ms/s; timelines emptied before every step; phases %s.%n",
                Runtime.getRuntime().availableProcessors(), Cpu.TICKS_PER_SECOND, Runner.PROBE_SECONDS, Runner.START_RATE,
                Runner.PRECISION, Runner.SECONDS, Runner.DRAIN_SECONDS, Runner.WARMUP_SECONDS, Runner.WARMUP_MAX_SECONDS,
                Runner.WARMUP_RATE, Runner.WARMUP_JIT, Runner.PHASES));
        designs.forEach((name, dir) -> md.append("- design `").append(name).append("`: ").append(dir).append(" (")
                .append(git(dir)).append(")\n"));
        for (Target t : runner.targets()) {
            if (!Double.isNaN(t.warmSeconds)) {
                md.append(String.format(Locale.ROOT, "- %s warmed up for %.0f s (its JIT compilers: %.0f ms/s in the last 10 s)%n",
                        t.name, t.warmSeconds, t.warmJit));
            }
        }
        md.append("\n");

        if (!searches.isEmpty()) {
            md.append("## Highest sustainable rate\n\n");
            md.append("Sustainable: over a ").append(Runner.SECONDS).append(" s step, e2e p99 <= 100 ms (POST due -> the recipient's "
                    + "`clientadded` consumed from amq.topic; for the raw limit, generation -> consumed), no error, every copy "
                    + "seen and stored within the drain, no growing backlog. Group: 10 members, each message stored 11 times "
                    + "(members and the group's timeline) and seen 10 times.\n\n");
            List<String> names = runner.targets().stream().map(t -> t.name).toList();
            boolean raw = names.contains("raw");
            StringBuilder head = new StringBuilder("| messages |");
            StringBuilder rule = new StringBuilder("|---|");
            for (String n : names) {
                head.append(" ").append(n.equals("raw") ? "raw limit" : n).append(" |");
                rule.append("---|");
                if (raw && !n.equals("raw")) {
                    head.append(" ").append(n).append(" / raw |");
                    rule.append("---|");
                }
            }
            List<String> designNames = names.stream().filter(n -> !n.equals("raw")).toList();
            for (int i = 1; i < designNames.size(); i++) {
                head.append(" ").append(designNames.get(i)).append(" / ").append(designNames.get(0)).append(" |");
                rule.append("---|");
            }
            md.append(head).append("\n").append(rule).append("\n");
            searches.forEach((kind, byTarget) -> {
                md.append("| ").append(kind.equals("group") ? "group of 10, msg/s (copies stored/s)" : "direct, msg/s").append(" |");
                Runner.Search rawSearch = byTarget.get("raw");
                for (String n : names) {
                    Runner.Search s = byTarget.get(n);
                    md.append(" ").append(rateCell(s, kind)).append(" |");
                    if (raw && !n.equals("raw")) {
                        md.append(" ").append(ratio(rate(s), rate(rawSearch), true)).append(" |");
                    }
                }
                for (int i = 1; i < designNames.size(); i++) {
                    md.append(" ").append(ratio(rate(byTarget.get(designNames.get(i))), rate(byTarget.get(designNames.get(0))), false))
                            .append(" |");
                }
                md.append("\n");
            });
            md.append("\n");
            StringBuilder notes = new StringBuilder();
            searches.forEach((kind, byTarget) -> byTarget.forEach((n, s) -> {
                if (!s.note.isEmpty()) {
                    notes.append("- ").append(n).append(" ").append(kind).append(": ").append(s.note)
                            .append(s.low > 0 ? " (highest probe passed: " + s.low + " msg/s)" : "").append("\n");
                }
            }));
            md.append(notes.isEmpty() ? "" : notes + "\n");

            md.append("### The confirmed steps\n\n");
            md.append("CPU in ms per message of each process over the step (sending, then the drain), and the host's busy share "
                    + "of all cores.\n\n");
            md.append("| target | messages | rate | p50 ms | p99 ms | first 10 s p50 / p99 | after 10 s p50 / p99 | max ms | "
                    + "max queue | CPU ms/msg service / store / broker / loadgen | sum | of the service: JIT / GC | host busy | others |\n");
            md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            searches.forEach((kind, byTarget) -> byTarget.values().forEach(s -> {
                if (s.confirmed != null) {
                    Runner.Step c = s.confirmed;
                    md.append("| ").append(c.target).append(" | ").append(kind).append(" | ").append(c.rate).append(" | ")
                            .append(ms(c.p("all", "p50"))).append(" | ").append(ms(c.p("all", "p99"))).append(" | ")
                            .append(ms(c.p("first", "p50"))).append(" / ").append(ms(c.p("first", "p99"))).append(" | ")
                            .append(ms(c.p("rest", "p50"))).append(" / ").append(ms(c.p("rest", "p99"))).append(" | ")
                            .append(ms(c.p("all", "max"))).append(" | ").append(c.maxDepth).append(" | ")
                            .append(cpuCells(c)).append(" |\n");
                }
            }));
            md.append("\n");
        }

        if (!cpu.isEmpty()) {
            md.append("## CPU per message at a fixed rate (direct, ").append(Runner.CPU_RATE).append(" msg/s for ")
                    .append(Runner.CPU_SECONDS).append(" s)\n\n");
            md.append("Window: the sending, then until every copy is stored (up to 60 s more). Where the target cannot sustain the rate, "
                    + "its latency and backlog show it, and the CPU is still divided by every accepted message: where not all "
                    + "were stored in the window, the figures are too low by about that share.\n\n");
            md.append("| target | accepted msg | p50 ms | p99 ms | stored in window | max queue | service | store | broker | loadgen | sum ms/msg "
                    + "| of the service: JIT / GC | host busy | others |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (Runner.Step c : cpu) {
                md.append("| ").append(c.target).append(" | ").append(c.accepted).append(" | ").append(ms(c.p("all", "p50")))
                        .append(" | ").append(ms(c.p("all", "p99"))).append(" | ").append(c.expectedStored == 0 ? "-" : num(100.0 * c.stored / c.expectedStored, 0) + " %")
                        .append(" | ").append(c.maxDepth).append(" | ");
                for (String role : ROLES) {
                    md.append(num(c.perMessage(role), 3)).append(" | ");
                }
                md.append(num(sum(c), 3)).append(" | ").append(jitGc(c)).append(" | ").append(num(c.cpu.hostBusyPct(), 0)).append(" % | ")
                        .append(num(c.cpu.othersPct(), 0)).append(" % |\n");
            }
            md.append("\n");
        }

        List<Runner.Step> cold = runner.steps().stream().filter(s -> List.of("cold", "warm", "restart").contains(s.phase)).toList();
        if (!cold.isEmpty() || !idle.isEmpty()) {
            md.append("## Cold start and after idle (direct, ").append(Runner.SECONDS).append(" s)\n\n");
            md.append("Cold: a fresh service process, on a fresh store, gets ").append(Runner.COLD_RATE).append(" msg/s from the moment it "
                    + "first answers `GET /` (start-up = process start to that answer) from a fresh load generator. Restart: a rolling "
                    + "deploy's new instance, the same on the warm design's store, broker and load generator, after the same step on the "
                    + "warm instance (warm) and beside it. After idle: the warm service after ").append(Runner.IDLE_SECONDS)
                    .append(" s or more without load (actual idle shown), at the cold rate or at its sustainable direct rate if "
                    + "lower.\n\n");
            md.append("| design | phase | msg/s | start-up / idle s | first 10 s p50 / p99 ms | p99 from second " + Runner.COLD_SKIP_SECONDS + " | after 10 s p50 / p99 | max ms | "
                    + "errors | all stored | host busy | others |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (Runner.Step s : concat(cold, idle)) {
                md.append("| ").append(s.target).append(" | ").append(s.phase).append(" | ").append(s.rate).append(" | ")
                        .append((s.phase.equals("warm") ? "-" : num(s.phase.equals("idle") ? s.idleSeconds : s.startupSeconds, 1))).append(" | ")
                        .append(ms(s.p("first", "p50"))).append(" / ").append(ms(s.p("first", "p99"))).append(" | ")
                        .append(ms(s.p("fromSkip", "p99"))).append(" | ")
                        .append(ms(s.p("rest", "p50"))).append(" / ").append(ms(s.p("rest", "p99"))).append(" | ")
                        .append(ms(s.p("all", "max"))).append(" | ").append(errors(s)).append(" | ")
                        .append(s.stored >= s.expectedStored ? "yes" : s.stored + "/" + s.expectedStored).append(" | ")
                        .append(num(s.cpu.hostBusyPct(), 0)).append(" % | ").append(num(s.cpu.othersPct(), 0)).append(" % |\n");
            }
            md.append("\n");
        }

        if (runner.idleCpu != null) {
            Cpu.Usage u = runner.idleCpu;
            md.append(String.format(Locale.ROOT, "CPU while idle (%.0f s, no load anywhere), ms per second: ", u.seconds()));
            StringBuilder parts = new StringBuilder();
            u.ms().forEach((role, ms) -> parts.append(parts.isEmpty() ? "" : ", ").append(role).append(" ")
                    .append(num(ms / u.seconds(), 1)));
            md.append(parts).append(String.format(Locale.ROOT, "; host busy %.0f %%, others %.0f %%. Per-message figures at low "
                    + "rates include this.%n%n", u.hostBusyPct(), u.othersPct()));
        }

        md.append("## Every step\n\n");
        md.append("In flight: most HTTP requests awaiting their answer at once; lag: how late the generator sent at worst. "
                + "Others: CPU of the machine's other programs (not this benchmark's processes), % of all cores; waited: before the "
                + "step, for them to take less than " + Runner.QUIET_PCT + " %.\n\n");
        md.append("| min | target | phase | messages | rate | s | result | p50 ms | p99 ms | first 10 s p99 | seen | stored | max queue "
                + "| in flight | lag ms | service ms/msg (JIT) | host busy | others | waited s |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Runner.Step s : runner.steps()) {
            md.append("| ").append(num(s.atMinutes, 1)).append(" | ").append(s.target).append(" | ").append(s.phase).append(" | ")
                    .append(s.kind).append(" | ").append(s.rate).append(" | ").append(s.seconds).append(" | ")
                    .append(s.ok ? "ok" : "fail: " + s.why).append(" | ").append(ms(s.p("all", "p50"))).append(" | ")
                    .append(ms(s.p("all", "p99"))).append(" | ").append(ms(s.p("first", "p99"))).append(" | ")
                    .append(s.lg.get("seen")).append("/").append(s.lg.get("expectedSeen")).append(" | ")
                    .append(s.stored).append("/").append(s.expectedStored).append(" | ").append(s.maxDepth).append(" | ")
                    .append(s.raw != null ? "-" : s.lg.get("maxInFlight")).append(" | ")
                    .append(s.raw != null ? "-" : num(Lines.dbl(s.lg, "maxLagMs"), 1)).append(" | ")
                    .append(num(s.perMessage("service"), 3)).append(" (").append(num(s.perMessage("part:service jit"), 3)).append(") | ")
                    .append(num(s.cpu.hostBusyPct(), 0)).append(" % | ")
                    .append(num(s.cpu.othersPct(), 0)).append(" % | ").append(num(s.quietWait, 0)).append(" |\n");
        }
        return md.toString();
    }

    private static List<Runner.Step> concat(List<Runner.Step> a, List<Runner.Step> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    private static int rate(Runner.Search s) {
        return s == null || s.confirmed == null ? 0 : s.confirmed.rate;
    }

    private static String rateCell(Runner.Search s, String kind) {
        if (s == null) {
            return "-";
        }
        if (s.confirmed == null) {
            return s.low > 0 ? "< " + s.low + " (not confirmed)" : "none";
        }
        int r = s.confirmed.rate;
        return Workload.isGroup(kind) ? String.format(Locale.ROOT, "**%,d** (%,d)", r, r * Workload.storedPerMessage(kind))
                : String.format(Locale.ROOT, "**%,d**", r);
    }

    private static String ratio(int a, int b, boolean percent) {
        if (a <= 0 || b <= 0) {
            return "-";
        }
        return percent ? String.format(Locale.ROOT, "%.0f %%", 100.0 * a / b) : String.format(Locale.ROOT, "%.2f", (double) a / b);
    }

    private static String cpuCells(Runner.Step c) {
        StringBuilder sb = new StringBuilder();
        for (String role : ROLES) {
            sb.append(sb.isEmpty() ? "" : " / ").append(num(c.perMessage(role), 3));
        }
        return sb + " | " + num(sum(c), 3) + " | " + jitGc(c) + " | " + num(c.cpu.hostBusyPct(), 0) + " % | "
                + num(c.cpu.othersPct(), 0) + " %";
    }

    private static String jitGc(Runner.Step c) {
        return num(c.perMessage("part:service jit"), 3) + " / " + num(c.perMessage("part:service gc"), 3);
    }

    private static double sum(Runner.Step c) {
        double total = 0;
        for (String role : ROLES) {
            double v = c.perMessage(role);
            if (!Double.isNaN(v)) {
                total += v;
            }
        }
        return total;
    }

    private static String errors(Runner.Step s) {
        return s.lg.get("errors") instanceof Map<?, ?> m && !m.isEmpty() ? m.toString() : "0";
    }

    private static String ms(Object value) {
        if (value instanceof Number n) {
            double v = n.doubleValue();
            return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
        }
        return value == null ? "-" : value.toString();
    }

    private static String num(double value, int decimals) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static String git(Path dir) {
        try {
            Process p = new ProcessBuilder("git", "-C", dir.toString(), "log", "-1", "--format=%h %s").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            Process st = new ProcessBuilder("git", "-C", dir.toString(), "status", "--porcelain", "--untracked-files=no")
                    .redirectErrorStream(true).start();
            boolean dirty = !new String(st.getInputStream().readAllBytes()).isBlank();
            st.waitFor();
            return out + (dirty ? ", with uncommitted changes" : "");
        } catch (Exception e) {
            return "not a git checkout";
        }
    }
}
