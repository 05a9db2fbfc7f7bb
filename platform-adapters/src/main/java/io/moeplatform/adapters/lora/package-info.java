/**
 * LoRA adapters of the catalog: upload of PEFT weights (a zip, validated by the engine against the served model
 * before anything is stored), versioned files on disk with their metadata in the database, and the binding that
 * registers them with the engine on first use on each replica.
 */
@NullMarked
package io.moeplatform.adapters.lora;

import org.jspecify.annotations.NullMarked;
