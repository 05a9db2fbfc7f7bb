/** Platform core: tenants, API keys, console users, audit log, quotas and metering, on one relational database. */
@NullMarked
package io.moeplatform.core;

import org.jspecify.annotations.NullMarked;
