package dev.rnn4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Several rounds of {@code serve-bench} as one report: each round kept, every number at top level the median. */
final class ServeRounds {
    private ServeRounds() {
    }

    static ServeReport summarise(List<ServeReport> reports) {
        ServeReport first = reports.get(0);
        if (reports.size() == 1) {
            return first;
        }
        List<ObjectNode> copies = reports.stream().map(r -> r.json().deepCopy()).toList();
        ObjectNode root = copies.get(0).deepCopy();
        medians(root, copies);
        ArrayNode rounds = root.putArray("rounds");
        copies.forEach(rounds::add);
        first.json().removeAll();
        first.json().setAll(root);
        return first;
    }

    /** Replaces every number in {@code into} (recursively) by its median over {@code all}. */
    private static void medians(ObjectNode into, List<? extends JsonNode> all) {
        for (Iterator<Map.Entry<String, JsonNode>> it = into.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isObject()) {
                medians((ObjectNode) e.getValue(), all.stream().map(n -> n.path(e.getKey())).toList());
            } else if (e.getValue().isNumber()) {
                double[] v = all.stream().mapToDouble(n -> n.path(e.getKey()).asDouble()).sorted().toArray();
                into.put(e.getKey(), median(v));
            }
        }
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
