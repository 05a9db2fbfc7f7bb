/** The migrate-only mode: apply the database migrations and exit (the Helm chart's pre-upgrade Job). */
@NullMarked
package io.moeplatform.api.migration;

import org.jspecify.annotations.NullMarked;
