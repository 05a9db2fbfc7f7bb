@NullMarked
package io.moeplatform.api.security;

import org.jspecify.annotations.NullMarked;
