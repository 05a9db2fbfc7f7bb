package io.moeplatform.inference.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/** A loaded native library and the downcall handles made from its exported functions. */
final class NativeSymbols {

    private static final Linker LINKER = Linker.nativeLinker();

    private final String library;
    private final SymbolLookup lookup;

    private NativeSymbols(String library, SymbolLookup lookup) {
        this.library = library;
        this.lookup = lookup;
    }

    /**
     * Loads a library by soname (through the loader's search path) or by absolute path. The global arena keeps it
     * loaded for the JVM's life: the driver and cuBLAS are process-wide, shared by every model.
     *
     * @throws IllegalArgumentException
     *             if the library cannot be loaded
     */
    static NativeSymbols load(String library) {
        SymbolLookup lookup = library.contains("/")
                ? SymbolLookup.libraryLookup(Path.of(library), Arena.global())
                : SymbolLookup.libraryLookup(library, Arena.global());
        return new NativeSymbols(library, lookup);
    }

    String library() {
        return library;
    }

    boolean has(String name) {
        return lookup.find(name).isPresent();
    }

    MethodHandle function(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        var symbol = lookup.find(name)
                .orElseThrow(() -> new IllegalStateException(library + " has no function " + name
                        + ": the library is older than this backend needs"));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }
}
