package io.moeplatform.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A Dockerfile read into stages and instructions (continuation lines joined, comments and parser directives
 * dropped): enough to check what it expects of the build without a Docker engine.
 */
record Dockerfile(List<Stage> stages) {

    record Instruction(String keyword, String arguments) {}

    record Stage(String name, String base, List<Instruction> instructions) {

        List<String> arguments(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::arguments)
                    .toList();
        }

        Optional<String> last(String keyword) {
            var all = arguments(keyword);
            return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
        }
    }

    static Dockerfile parse(Path file) {
        var stages = new ArrayList<Stage>();
        List<Instruction> current = null;
        var logical = new StringBuilder();
        for (String line : Repository.read(file).split("\n", -1)) {
            String trimmed = line.strip();
            if (logical.isEmpty() && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
                continue;
            }
            if (!logical.isEmpty() && trimmed.startsWith("#")) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                logical.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            logical.append(trimmed);
            String instruction = logical.toString().strip();
            logical.setLength(0);
            int space = instruction.indexOf(' ');
            String keyword = instruction.substring(0, space).toUpperCase(Locale.ROOT);
            String arguments = instruction.substring(space + 1).strip();
            if (keyword.equals("FROM")) {
                String[] parts = arguments.split("\\s+");
                String name = parts.length == 3 && parts[1].equalsIgnoreCase("AS") ? parts[2] : "";
                current = new ArrayList<>();
                stages.add(new Stage(name, parts[0], current));
            } else if (current != null) {
                current.add(new Instruction(keyword, arguments));
            }
        }
        return new Dockerfile(List.copyOf(stages));
    }

    Stage stage(String name) {
        return stages.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no stage " + name));
    }
}
