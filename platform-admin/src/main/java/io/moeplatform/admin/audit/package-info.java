@NullMarked
package io.moeplatform.admin.audit;

import org.jspecify.annotations.NullMarked;
