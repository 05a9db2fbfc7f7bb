package io.moeplatform.adapters.kg.importing;

import java.util.List;
import java.util.stream.Collectors;

/** An import refused as a whole (nothing of it was stored), with every problem found, each with its location. */
public class GraphImportException extends RuntimeException {

    private final List<ImportProblem> problems;

    public GraphImportException(List<ImportProblem> problems) {
        super(summary(problems));
        this.problems = List.copyOf(problems);
    }

    public List<ImportProblem> problems() {
        return problems;
    }

    private static String summary(List<ImportProblem> problems) {
        String shown = problems.stream().limit(5).map(ImportProblem::toString).collect(Collectors.joining("; "));
        int more = problems.size() - 5;
        return "The knowledge graph was not imported: " + shown + (more > 0 ? " (and " + more + " more)" : "");
    }
}
