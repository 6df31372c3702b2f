package dev.rnn4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rnn4j.Backend;
import dev.rnn4j.BackendOptions;
import dev.rnn4j.BackendSelector;
import dev.rnn4j.BuildInfo;
import dev.rnn4j.DeviceInfo;
import dev.rnn4j.spi.Availability;
import dev.rnn4j.spi.BackendProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rnn4j info}: every provider, its probe result, what {@code auto} picks, and each available backend's device
 * (memory, compute units, driver and library versions) with a short measured SGEMM rate.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "List every backend provider, its probe result (why it can or cannot run), what auto picks, and "
                + "each available device with a short measured SGEMM rate.")
final class InfoCommand implements Callable<Integer> {
    /** How long each backend's SGEMM rate is measured. */
    private static final int PEAK_MILLIS = 300;

    @Spec
    CommandSpec spec;

    @Option(names = "--no-peak", description = "Do not measure each backend's SGEMM rate.")
    boolean noPeak;

    @Option(names = "--json", description = "Print the same as one JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        if (json) {
            PrintWriter out = spec.commandLine().getOut();
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(asJson()));
            out.flush();
            return 0;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%s on %s %s (%s), %s %s, %d cores%n", BuildInfo.describe(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"),
                System.getProperty("java.vendor"), System.getProperty("os.name"), System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors());
        BackendSelector selector = BackendSelector.installed();
        out.println();
        out.printf("%-10s %-8s %s%n", "backend", "priority", "status");
        for (BackendProvider p : selector.providers()) {
            Availability a = selector.probe(p);
            out.printf("%-10s %-8d %s%n", p.name(), p.priority(), (a.available() ? "available: " : "unavailable: ")
                    + a.detail());
            if (!a.available() && !a.remedy().isEmpty()) {
                out.printf("%-10s %-8s to fix: %s%n", "", "", a.remedy());
            }
        }
        out.println();
        String request = BackendSelector.requestFromEnvironment();
        out.println("requested: " + request + (request.equals(BackendSelector.AUTO)
                ? " (neither -D" + BackendSelector.PROPERTY + " nor " + BackendSelector.ENVIRONMENT + " is set)" : ""));
        Optional<BackendProvider> auto = selector.autoChoice();
        out.println("auto picks: " + auto.map(BackendProvider::name).orElse("nothing (no backend can run)"));
        out.println();
        out.println("devices (SGEMM measured now" + (noPeak ? ": skipped, --no-peak" : ", best of a short run") + "):");
        for (BackendProvider p : selector.providers()) {
            if (!selector.probe(p).available()) {
                continue;
            }
            try (Backend b = p.open(BackendOptions.defaults())) {
                DeviceInfo d = b.device();
                String peak = noPeak ? "" : String.format(Locale.ROOT, "; SGEMM %d³ %.1f GFLOP/s",
                        SgemmPeak.size(b), SgemmPeak.measure(b, PEAK_MILLIS));
                out.printf("%-10s %s; memory %s; %s compute units; %s%s%n", p.name(), d.name(),
                        d.memoryBytes() < 0 ? "unknown" : (d.memoryBytes() >> 20) + " MiB",
                        d.computeUnits() < 0 ? "?" : Integer.toString(d.computeUnits()), d.description(), peak);
                if (!b.settings().isEmpty()) {
                    out.printf("%-10s settings: %s%n", "", settingsLine(b.settings()));
                }
            } catch (RuntimeException e) {
                out.printf("%-10s failed to open: %s%n", p.name(), Rnn4jCommand.oneLine(e));
            }
        }
        out.flush();
        return 0;
    }

    /** "threads=2, activations=intrinsic, ..." */
    static String settingsLine(Map<String, String> settings) {
        StringBuilder line = new StringBuilder();
        settings.forEach((k, v) -> line.append(line.length() == 0 ? "" : ", ").append(k).append('=').append(v));
        return line.toString();
    }

    /** What the text says, as JSON: the build, the JVM, the host, every probe, the choice, each device. */
    private ObjectNode asJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("rnn4j_version", BuildInfo.version());
        root.put("rnn4j_commit", BuildInfo.commit());
        ObjectNode jvm = root.putObject("jvm");
        jvm.put("name", System.getProperty("java.vm.name"));
        jvm.put("version", System.getProperty("java.version"));
        jvm.put("vendor", System.getProperty("java.vendor"));
        ObjectNode host = root.putObject("host");
        host.put("os", System.getProperty("os.name"));
        host.put("arch", System.getProperty("os.arch"));
        host.put("cpus", Runtime.getRuntime().availableProcessors());
        BackendSelector selector = BackendSelector.installed();
        root.put("requested", BackendSelector.requestFromEnvironment());
        Optional<BackendProvider> auto = selector.autoChoice();
        if (auto.isPresent()) {
            root.put("auto", auto.get().name());
        } else {
            root.putNull("auto");
        }
        ArrayNode backends = root.putArray("backends");
        for (BackendProvider p : selector.providers()) {
            Availability a = selector.probe(p);
            ObjectNode b = backends.addObject();
            b.put("name", p.name());
            b.put("priority", p.priority());
            b.put("available", a.available());
            b.put("detail", a.detail());
            if (!a.available()) {
                b.put("remedy", a.remedy());
                continue;
            }
            try (Backend opened = p.open(BackendOptions.defaults())) {
                DeviceInfo d = opened.device();
                ObjectNode device = b.putObject("device");
                device.put("name", d.name());
                device.put("memory_bytes", d.memoryBytes());
                device.put("compute_units", d.computeUnits());
                device.put("description", d.description());
                ObjectNode settings = b.putObject("settings");
                opened.settings().forEach(settings::put);
                if (!noPeak) {
                    b.put("sgemm_size", SgemmPeak.size(opened));
                    b.put("sgemm_gflops", SgemmPeak.measure(opened, PEAK_MILLIS));
                }
            } catch (RuntimeException e) {
                b.put("open_error", Rnn4jCommand.oneLine(e));
            }
        }
        return root;
    }
}
