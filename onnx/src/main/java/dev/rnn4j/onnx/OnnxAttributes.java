package dev.rnn4j.onnx;

import java.util.List;
import java.util.Map;

/**
 * A node's attributes by name, with ONNX's value kinds: {@code Long} (INT), {@code Float} (FLOAT), {@code String}
 * (STRING), {@code long[]} (INTS), {@code float[]} (FLOATS), {@code List<String>} (STRINGS). Getters take the
 * operator's default for an absent attribute and fail, naming the node, on an attribute of the wrong kind.
 */
public final class OnnxAttributes {
    private final String node;
    private final Map<String, Object> values;

    /** Attributes of the node described by {@code node} (its name and op, for messages). */
    public OnnxAttributes(String node, Map<String, Object> values) {
        this.node = node;
        this.values = Map.copyOf(values);
    }

    /** Whether the attribute is present. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The names present. */
    public java.util.Set<String> names() {
        return values.keySet();
    }

    public long integer(String name, long fallback) {
        return get(name, Long.class, fallback);
    }

    public float real(String name, float fallback) {
        return get(name, Float.class, fallback);
    }

    public String string(String name, String fallback) {
        return get(name, String.class, fallback);
    }

    public float[] floats(String name) {
        return get(name, float[].class, null);
    }

    public long[] ints(String name) {
        return get(name, long[].class, null);
    }

    @SuppressWarnings("unchecked")
    public List<String> strings(String name) {
        return get(name, List.class, null);
    }

    private <T> T get(String name, Class<T> kind, T fallback) {
        Object v = values.get(name);
        if (v == null) {
            return fallback;
        }
        if (!kind.isInstance(v)) {
            throw new IllegalArgumentException(node + ": attribute '" + name + "' must be " + kindName(kind)
                    + ", got " + kindName(v.getClass()));
        }
        return kind.cast(v);
    }

    private static String kindName(Class<?> k) {
        if (k == Long.class) {
            return "an INT";
        }
        if (k == Float.class) {
            return "a FLOAT";
        }
        if (k == String.class) {
            return "a STRING";
        }
        if (k == long[].class) {
            return "INTS";
        }
        if (k == float[].class) {
            return "FLOATS";
        }
        return List.class.isAssignableFrom(k) ? "STRINGS" : k.getSimpleName();
    }
}
