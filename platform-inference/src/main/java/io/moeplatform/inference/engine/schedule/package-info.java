/**
 * Iteration-level continuous batching: which sequences compute which tokens in
 * the next engine step, admission that is weighted-fair across tenants, KV block
 * accounting with the prefix cache, and preemption when the pool runs out.
 */
@NullMarked
package io.moeplatform.inference.engine.schedule;

import org.jspecify.annotations.NullMarked;
