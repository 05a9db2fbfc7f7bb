@NullMarked
package io.moeplatform.core.audit;

import org.jspecify.annotations.NullMarked;
