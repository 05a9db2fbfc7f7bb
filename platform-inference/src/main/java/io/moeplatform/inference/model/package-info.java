@NullMarked
package io.moeplatform.inference.model;

import org.jspecify.annotations.NullMarked;
