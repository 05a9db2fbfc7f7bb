/**
 * Python/jinja2 behaviour that Jinjava lacks and Hugging Face chat templates use:
 * Python string methods, extended slices, {@code tojson} as Python's
 * {@code json.dumps}, and transformers' template globals.
 */
@NullMarked
package io.moeplatform.inference.text.jinja;

import org.jspecify.annotations.NullMarked;
