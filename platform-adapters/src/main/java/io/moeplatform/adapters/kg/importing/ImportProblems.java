package io.moeplatform.adapters.kg.importing;

import java.util.ArrayList;
import java.util.List;

/**
 * The problems of one import. Parsing goes on after a problem so that one upload reports many at once; after
 * {@value #MAX} it stops, as more would only repeat the same mistake.
 */
public final class ImportProblems {

    static final int MAX = 50;

    private final List<ImportProblem> problems = new ArrayList<>();

    /** @throws GraphImportException at the {@value #MAX}th problem, ending the import */
    public void add(String location, String message) {
        problems.add(new ImportProblem(location, message));
        if (problems.size() >= MAX) {
            throw new GraphImportException(problems);
        }
    }

    /** Ends the import with the problems found so far plus this one, e.g. after a syntax error. */
    public GraphImportException fatal(String location, String message) {
        problems.add(new ImportProblem(location, message));
        return new GraphImportException(problems);
    }

    public boolean isEmpty() {
        return problems.isEmpty();
    }

    public void throwIfAny() {
        if (!problems.isEmpty()) {
            throw new GraphImportException(problems);
        }
    }
}
