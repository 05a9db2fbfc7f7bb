/**
 * The paged KV pool as the scheduler sees it: block ids, reference counts and
 * the content-addressed prefix cache. The KV tensors themselves live in the
 * executor's memory.
 */
@NullMarked
package io.moeplatform.inference.engine.kv;

import org.jspecify.annotations.NullMarked;
