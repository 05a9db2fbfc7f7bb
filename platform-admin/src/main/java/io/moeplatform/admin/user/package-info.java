/** The console's user administration page, for the platform admin only. */
@NullMarked
package io.moeplatform.admin.user;

import org.jspecify.annotations.NullMarked;
