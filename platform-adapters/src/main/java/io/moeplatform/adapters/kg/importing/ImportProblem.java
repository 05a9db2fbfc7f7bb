package io.moeplatform.adapters.kg.importing;

/** One reason an import was refused, and where in the file. */
public record ImportProblem(String location, String message) {

    @Override
    public String toString() {
        return location + ": " + message;
    }
}
