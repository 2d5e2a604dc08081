package io.edgeproxy.adapters.prometheus;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A parser of the Prometheus text exposition format (version 0.0.4), strict enough for tests: every
 * line must be a comment, a {@code # HELP} / {@code # TYPE} line, or a sample
 * {@code name{label="value",...} value [timestamp]} with the format's escapes; anything else throws.
 * Samples are grouped into families by their {@code # TYPE} line ({@code _bucket}, {@code _sum},
 * {@code _count} and {@code _total} suffixes belong to the family declared before them).
 */
final class PrometheusText {

    record Sample(String name, Map<String, String> labels, double value) {
    }

    record Family(String name, String type, String help, List<Sample> samples) {

        /** @return the samples named {@code sampleName} whose labels include all of {@code labels} */
        List<Sample> find(String sampleName, Map<String, String> labels) {
            List<Sample> out = new ArrayList<>();
            for (Sample s : samples) {
                if (s.name.equals(sampleName) && s.labels.entrySet().containsAll(labels.entrySet())) {
                    out.add(s);
                }
            }
            return out;
        }

        /** @return the value of the one sample named {@code sampleName} with exactly {@code labels} */
        double value(String sampleName, Map<String, String> labels) {
            Sample found = null;
            for (Sample s : samples) {
                if (s.name.equals(sampleName) && s.labels.equals(labels)) {
                    if (found != null) {
                        throw new AssertionError("two samples " + sampleName + labels);
                    }
                    found = s;
                }
            }
            if (found == null) {
                throw new AssertionError("no sample " + sampleName + labels + " in " + samples);
            }
            return found.value;
        }
    }

    private final Map<String, Family> families;

    private PrometheusText(Map<String, Family> families) {
        this.families = families;
    }

    Map<String, Family> families() {
        return Collections.unmodifiableMap(families);
    }

    Optional<Family> family(String name) {
        return Optional.ofNullable(families.get(name));
    }

    Family require(String name) {
        Family f = families.get(name);
        if (f == null) {
            throw new AssertionError("no metric family " + name + "; families: " + families.keySet());
        }
        return f;
    }

    static PrometheusText parse(String text) {
        Map<String, Family> families = new LinkedHashMap<>();
        Map<String, String> help = new LinkedHashMap<>();
        Family current = null;
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            try {
                if (line.startsWith("#")) {
                    String[] parts = line.split(" ", 4);
                    if (parts.length >= 3 && parts[1].equals("HELP")) {
                        help.put(parts[2], parts.length == 4 ? unescapeHelp(parts[3]) : "");
                    } else if (parts.length == 4 && parts[1].equals("TYPE")) {
                        String type = parts[3];
                        if (!List.of("counter", "gauge", "histogram", "summary", "untyped").contains(type)) {
                            throw new IllegalArgumentException("unknown type " + type);
                        }
                        if (families.containsKey(parts[2])) {
                            throw new IllegalArgumentException("second TYPE line for " + parts[2]);
                        }
                        current = new Family(checkName(parts[2]), type, help.getOrDefault(parts[2], ""), new ArrayList<>());
                        families.put(current.name, current);
                    }
                    continue;
                }
                Sample s = parseSample(line);
                Family owner = current != null && belongsTo(s.name, current) ? current : null;
                if (owner == null) {
                    owner = families.computeIfAbsent(s.name,
                            n -> new Family(n, "untyped", help.getOrDefault(n, ""), new ArrayList<>()));
                }
                owner.samples.add(s);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + lineNo + ": " + e.getMessage() + ": " + line, e);
            }
        }
        return new PrometheusText(families);
    }

    private static boolean belongsTo(String sample, Family f) {
        if (sample.equals(f.name)) {
            return true;
        }
        return switch (f.type) {
            case "histogram" -> sample.equals(f.name + "_bucket") || sample.equals(f.name + "_sum")
                    || sample.equals(f.name + "_count") || sample.equals(f.name + "_created");
            case "summary" -> sample.equals(f.name + "_sum") || sample.equals(f.name + "_count")
                    || sample.equals(f.name + "_created");
            case "counter" -> sample.equals(f.name + "_total") || sample.equals(f.name + "_created");
            default -> false;
        };
    }

    private static Sample parseSample(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = checkName(line.substring(0, i));
        Map<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String label = checkName(line.substring(i, eq));
                if (line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("label value must be quoted");
                }
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char n = line.charAt(++j);
                        v.append(switch (n) {
                            case 'n' -> '\n';
                            case '\\' -> '\\';
                            case '"' -> '"';
                            default -> throw new IllegalArgumentException("bad escape \\" + n);
                        });
                    } else {
                        v.append(c);
                    }
                }
                if (labels.put(label, v.toString()) != null) {
                    throw new IllegalArgumentException("label " + label + " twice");
                }
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new IllegalArgumentException("expected a space before the value");
        }
        String[] rest = line.substring(i + 1).trim().split(" ");
        if (rest.length > 2) {
            throw new IllegalArgumentException("trailing text after the value");
        }
        if (rest.length == 2) {
            Long.parseLong(rest[1]);   // timestamp in ms
        }
        return new Sample(name, Collections.unmodifiableMap(labels), parseValue(rest[0]));
    }

    private static double parseValue(String v) {
        return switch (v) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(v);
        };
    }

    private static String checkName(String name) {
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("bad name \"" + name + "\"");
        }
        return name;
    }

    private static String unescapeHelp(String s) {
        return s.replace("\\n", "\n").replace("\\\\", "\\");
    }
}
