package dev.rnn4j;

import dev.rnn4j.spi.Availability;
import dev.rnn4j.spi.BackendProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses and opens a backend among a set of providers (docs/architecture.md, "Selection"). A request is {@code auto} or a
 * provider name with an optional device after a colon ({@code opencl:1}, {@code cuda:0}). Where the request comes
 * from, in order: an explicit argument, the system property {@code rnn4j.backend}, the environment variable
 * {@code RNN4J_BACKEND}, else {@code auto}. {@code auto} takes the highest-priority provider whose probe succeeds and
 * logs at INFO why each other one was skipped. An explicitly named backend that cannot start throws
 * {@link BackendUnavailableException} with the probe's reason and remedy: never a silent fallback.
 */
public final class BackendSelector {
    /** System property naming the backend. */
    public static final String PROPERTY = "rnn4j.backend";
    /** Environment variable naming the backend. */
    public static final String ENVIRONMENT = "RNN4J_BACKEND";
    /** The request that picks the best available backend. */
    public static final String AUTO = "auto";

    private static final Logger LOG = LoggerFactory.getLogger(BackendSelector.class);

    private final List<BackendProvider> providers;
    private final Map<String, Availability> probes = new LinkedHashMap<>();

    /** A selector over the given providers (tests use this); see {@link #installed()} for the real ones. */
    public BackendSelector(List<BackendProvider> providers) {
        List<BackendProvider> sorted = new ArrayList<>(providers);
        sorted.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        this.providers = List.copyOf(sorted);
    }

    /** A selector over every provider on the class path, found through {@link ServiceLoader}. */
    public static BackendSelector installed() {
        List<BackendProvider> found = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, BackendSelector.class.getClassLoader())) {
            found.add(p);
        }
        return new BackendSelector(found);
    }

    /** The providers, highest priority first. */
    public List<BackendProvider> providers() {
        return providers;
    }

    /** A provider's probe result, asked once per selector. A probe that throws counts as unavailable. */
    public synchronized Availability probe(BackendProvider provider) {
        return probes.computeIfAbsent(provider.name(), n -> {
            try {
                return provider.probe();
            } catch (RuntimeException | LinkageError e) {
                return Availability.unavailable("probe failed: " + e, "report this as a bug in the "
                        + provider.name() + " backend");
            }
        });
    }

    /**
     * The request in force: {@code explicit} if not null or blank, else the property, else the environment
     * variable, else {@code auto}. Lookups are passed in so tests can supply their own.
     */
    public static String request(String explicit, UnaryOperator<String> properties, UnaryOperator<String> environment) {
        for (String candidate : new String[] {explicit, properties.apply(PROPERTY), environment.apply(ENVIRONMENT)}) {
            if (candidate != null && !candidate.isBlank()) {
                return candidate.trim();
            }
        }
        return AUTO;
    }

    /** The request from the system property, the environment, or {@code auto}. */
    public static String requestFromEnvironment() {
        return request(null, System::getProperty, System::getenv);
    }

    /** What {@code auto} would choose, if anything can run. */
    public Optional<BackendProvider> autoChoice() {
        for (BackendProvider p : providers) {
            if (probe(p).available()) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Opens what {@code request} names.
     *
     * @throws IllegalArgumentException       for a name no provider has, listing the known ones
     * @throws BackendUnavailableException    when the named backend (or, for auto, every backend) cannot start
     */
    public Backend open(String request) {
        return open(request, BackendOptions.defaults());
    }

    /**
     * Opens what {@code request} names with {@code options}; a device in the request ({@code opencl:1}) takes the
     * place of the options' device.
     *
     * @throws IllegalArgumentException       for a name no provider has, listing the known ones
     * @throws BackendUnavailableException    when the named backend (or, for auto, every backend) cannot start
     */
    public Backend open(String request, BackendOptions options) {
        String spec = request == null || request.isBlank() ? AUTO : request.trim();
        int colon = spec.indexOf(':');
        String name = (colon < 0 ? spec : spec.substring(0, colon)).toLowerCase(Locale.ROOT);
        String device = colon < 0 ? null : spec.substring(colon + 1);
        if (name.equals(AUTO)) {
            if (device != null) {
                throw new IllegalArgumentException("'auto' takes no device; name the backend, e.g. 'opencl:" + device + "'");
            }
            return openAuto(options);
        }
        BackendProvider provider = find(name);
        Availability a = probe(provider);
        if (!a.available()) {
            throw BackendUnavailableException.of(name, a);
        }
        LOG.info("rnn4j backend: '{}' as requested ({})", name, a.detail());
        return provider.open(device == null ? options : options.withDevice(device));
    }

    private Backend openAuto(BackendOptions options) {
        StringBuilder skipped = new StringBuilder();
        for (BackendProvider p : providers) {
            Availability a = probe(p);
            if (a.available()) {
                LOG.info("rnn4j backend: auto selected '{}' ({}){}{}", p.name(), a.detail(),
                        skipped.length() == 0 ? "" : "; skipped " + skipped, lowerRanked(p));
                return p.open(options);
            }
            if (skipped.length() > 0) {
                skipped.append("; ");
            }
            skipped.append(p.name()).append(": ").append(a.detail());
        }
        throw new BackendUnavailableException(AUTO, "no rnn4j backend can run here"
                + (skipped.length() == 0 ? " (no provider on the class path; add rnn4j-core at least)" : ": " + skipped));
    }

    /** The providers ranked below {@code chosen}, each with why it was not the choice (available or not). */
    String lowerRanked(BackendProvider chosen) {
        StringBuilder out = new StringBuilder();
        boolean after = false;
        for (BackendProvider p : providers) {
            if (after) {
                Availability a = probe(p);
                out.append(out.length() == 0 ? "; not chosen: " : "; ").append(p.name()).append(": ")
                        .append(a.available() ? "available but ranked below '" + chosen.name() + "' (priority "
                                + p.priority() + " < " + chosen.priority() + ")" : a.detail());
            }
            after |= p == chosen;
        }
        return out.toString();
    }

    private BackendProvider find(String name) {
        for (BackendProvider p : providers) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        List<String> known = new ArrayList<>();
        known.add(AUTO);
        providers.forEach(p -> known.add(p.name()));
        throw new IllegalArgumentException("unknown backend '" + name + "'; known: " + String.join(", ", known)
                + (name.equals("gpu") ? " ('gpu' is not a backend: say 'cuda' or 'opencl')" : "")
                + ". A backend missing from this list is not on the class path: add its rnn4j-*-backend module.");
    }
}
