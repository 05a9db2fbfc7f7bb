/** The engine's command line ({@code generate}, {@code bench}), a plain main without Spring for GPU hosts. */
@NullMarked
package io.moeplatform.inference.cli;

import org.jspecify.annotations.NullMarked;
